"""Writes a CloudTrail archive for scripts/bench-replay: the corpus's records, varied (event ids,
times over 30 days, four accounts, three regions), in CloudTrail's S3 layout, 2,000 records a
gzip file, with a StopLogging and an AttachUserPolicy by an attacker every 10,000 records.

    python3 scripts/replay-archive.py CORPUS OUT RECORDS
"""
import gzip
import json
import pathlib
import sys
import uuid

corpus, out, wanted = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]), int(sys.argv[3])
seeds = []
for path in sorted(corpus.rglob("*.json")):
    doc = json.loads(path.read_text())
    seeds.extend(doc["Records"] if isinstance(doc, dict) else doc)
events = pathlib.Path(__file__).resolve().parent.parent / "events"
attacks = [json.loads((events / f"{n}.json").read_text())["detail"] for n in ("stop-logging", "attach-user-policy")]
accounts = ["111122223333", "222233334444", "333344445555", "444455556666"]
regions = ["us-east-1", "eu-west-1", "ap-southeast-2"]
per_file, written, n = 2000, 0, 0
while written < wanted:
    count = min(per_file, wanted - written)
    day = 1 + (n % 30)
    account, region = accounts[n % len(accounts)], regions[(n // 4) % len(regions)]
    records = []
    for i in range(count):
        k = written + i
        seed = attacks[k // 10000 % 2] if k % 10000 == 0 else seeds[k % len(seeds)]
        record = dict(seed)
        record["eventID"] = str(uuid.UUID(int=k))
        record["eventTime"] = f"2026-11-{day:02}T{(i // 120) % 24:02}:{(i // 2) % 60:02}:{i % 60:02}Z"
        record["recipientAccountId"] = account
        records.append(record)
    folder = out / "AWSLogs" / account / "CloudTrail" / region / "2026" / "11" / f"{day:02}"
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{account}_CloudTrail_{region}_202611{day:02}T0000Z_{n:06}.json.gz"
    (folder / name).write_bytes(gzip.compress(json.dumps({"Records": records}).encode(), 6))
    written += count
    n += 1
print(f"{written} records in {n} files under {out}")
