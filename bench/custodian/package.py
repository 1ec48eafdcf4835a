"""Writes each Custodian policy of policies.yml into its own Lambda function directory, as Custodian
packages it for `mode: cloudtrail`: config.json (execution options + the one policy) and
custodian_policy.py (Custodian's own handler module, c7n.mu.PolicyHandlerTemplate).

Usage: package.py TOPIC_ARN ACCOUNT_ID OUT_DIR   (run by the bench venv's python)
Prints one line per function: "<policy name> <directory> <zip bytes>", the zip being the code
archive Custodian's own packager (c7n.mu.custodian_archive) builds for the function.
"""

import json
import os
import sys

import yaml
from c7n.mu import PolicyHandlerTemplate, custodian_archive
from c7n.schema import generate, validate


def main():
    topic, account, out = sys.argv[1:4]
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "policies.yml"), encoding="utf-8") as f:
        text = f.read().replace("TOPIC_ARN", topic).replace("ACCOUNT_ID", account)
    data = yaml.safe_load(text)
    from c7n.resources import load_available
    load_available()
    errors = validate(data, generate())
    if errors:
        sys.exit(f"policies.yml does not validate: {errors}")
    for policy in data["policies"]:
        directory = os.path.join(out, policy["name"])
        os.makedirs(directory, exist_ok=True)
        # What `custodian run` writes for a Lambda policy: the CLI's options (the account id among
        # them, so the function makes no STS call to learn it) and the policy.
        config = {"execution-options": {"account_id": account, "region": "us-east-1",
                                        "output_dir": "/tmp"},
                  "policies": [policy]}
        with open(os.path.join(directory, "config.json"), "w", encoding="utf-8") as f:
            json.dump(config, f, indent=2)
        with open(os.path.join(directory, "custodian_policy.py"), "w", encoding="utf-8") as f:
            f.write(PolicyHandlerTemplate)
        archive = custodian_archive()
        archive.add_contents("config.json", json.dumps(config))
        archive.add_contents("custodian_policy.py", PolicyHandlerTemplate)
        archive.close()
        print(policy["name"], directory, archive.size)


main()
