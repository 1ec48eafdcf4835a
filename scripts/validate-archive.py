"""Fills the local AWS (moto, through its endpoint) with a trail and a week of CloudTrail's hourly
digests and log files, as CloudTrail writes them, signed with a key pair made here; writes the key
for the emulator's ListPublicKeys (tests/moto_harness.py, MOTO_PUBLIC_KEYS_FILE). For the log file
validation benchmark (scripts/bench validate-logs).

Usage: validate-archive.py ENDPOINT KEYS_FILE HOURS LOGS_PER_HOUR CORPUS_DIR
Prints the trail's ARN, the start and end times, and the keys of the objects it wrote (JSON)."""

import base64
import datetime
import gzip
import hashlib
import json
import pathlib
import sys

import boto3
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

ACCOUNT = "123456789012"
REGION = "us-east-1"
BUCKET = "bench-trail-logs"
TRAIL = "audit"


def main():
    endpoint, keys_file, hours, logs_per_hour, corpus = sys.argv[1:6]
    hours, logs_per_hour = int(hours), int(logs_per_hour)
    session = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
    )
    s3 = session.client("s3", endpoint_url=endpoint)
    cloudtrail = session.client("cloudtrail", endpoint_url=endpoint)
    s3.create_bucket(Bucket=BUCKET)
    arn = cloudtrail.create_trail(
        Name=TRAIL, S3BucketName=BUCKET, EnableLogFileValidation=True
    )["TrailARN"]
    cloudtrail.start_logging(Name=TRAIL)

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.PKCS1
    )
    fingerprint = hashlib.md5(public).hexdigest()
    # A week back from two hours ago: every digest is delivered, none is late.
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    first_end = now - datetime.timedelta(hours=hours + 1) + datetime.timedelta(seconds=31)
    with open(keys_file, "w") as f:
        json.dump(
            [
                {
                    "fingerprint": fingerprint,
                    "value": base64.b64encode(public).decode(),
                    "start": (first_end - datetime.timedelta(days=2)).timestamp(),
                    "end": (now + datetime.timedelta(days=2)).timestamp(),
                }
            ],
            f,
        )

    records = []
    for path in sorted(pathlib.Path(corpus).rglob("*.json")):
        try:
            data = json.loads(path.read_text())
        except (ValueError, UnicodeDecodeError):
            continue
        records.extend(data.get("Records", []) if isinstance(data, dict) else [])
    records = records[:50] or [{"eventName": "ListBuckets"}]

    previous = None
    written = {"log_files": [], "digests": []}
    fmt = lambda t: t.strftime("%Y-%m-%dT%H:%M:%SZ")
    for h in range(hours):
        end = first_end + datetime.timedelta(hours=h)
        start = end - datetime.timedelta(hours=1)
        folder = end.strftime("%Y/%m/%d")
        stamp = end.strftime("%Y%m%dT%H%M%SZ")
        entries = []
        for n in range(logs_per_hour):
            log_key = (
                f"AWSLogs/{ACCOUNT}/CloudTrail/{REGION}/{folder}/"
                f"{ACCOUNT}_CloudTrail_{REGION}_{end.strftime('%Y%m%dT%H%MZ')}_{h:04}{n:03}.json.gz"
            )
            content = json.dumps({"Records": records}).encode()
            s3.put_object(Bucket=BUCKET, Key=log_key, Body=gzip.compress(content, 6))
            entries.append(
                {
                    "s3Bucket": BUCKET,
                    "s3Object": log_key,
                    "hashValue": hashlib.sha256(content).hexdigest(),
                    "hashAlgorithm": "SHA-256",
                    "newestEventTime": fmt(start),
                    "oldestEventTime": fmt(start),
                }
            )
            written["log_files"].append(log_key)
        digest_key = (
            f"AWSLogs/{ACCOUNT}/CloudTrail-Digest/{REGION}/{folder}/"
            f"{ACCOUNT}_CloudTrail-Digest_{REGION}_{TRAIL}_{REGION}_{stamp}.json.gz"
        )
        digest = json.dumps(
            {
                "awsAccountId": ACCOUNT,
                "digestStartTime": fmt(start),
                "digestEndTime": fmt(end),
                "digestS3Bucket": BUCKET,
                "digestS3Object": digest_key,
                "digestPublicKeyFingerprint": fingerprint,
                "digestSignatureAlgorithm": "SHA256withRSA",
                "newestEventTime": fmt(start),
                "oldestEventTime": fmt(start),
                "previousDigestS3Bucket": BUCKET if previous else None,
                "previousDigestS3Object": previous[0] if previous else None,
                "previousDigestHashValue": None,
                "previousDigestHashAlgorithm": "SHA-256",
                "previousDigestSignature": previous[1] if previous else None,
                "logFiles": entries,
            }
        ).encode()
        to_sign = "\n".join(
            [
                fmt(end),
                f"{BUCKET}/{digest_key}",
                hashlib.sha256(digest).hexdigest(),
                previous[1] if previous else "null",
            ]
        ).encode()
        signature = key.sign(to_sign, padding.PKCS1v15(), hashes.SHA256()).hex()
        s3.put_object(
            Bucket=BUCKET,
            Key=digest_key,
            Body=gzip.compress(digest, 6),
            Metadata={"signature": signature, "signature-algorithm": "SHA256withRSA"},
        )
        previous = (digest_key, signature)
        written["digests"].append(digest_key)
    print(
        json.dumps(
            {
                "trail": arn,
                "bucket": BUCKET,
                "start": fmt(first_end - datetime.timedelta(minutes=5)),
                "end": fmt(first_end + datetime.timedelta(hours=hours - 1)),
                **written,
            }
        )
    )


if __name__ == "__main__":
    main()
