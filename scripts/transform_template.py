"""Transforms template.yaml from SAM to plain CloudFormation offline, as `sam deploy` would have AWS
do, for the deploy rehearsal in the local emulator. Prints the CloudFormation template as JSON.

Usage: transform_template.py TEMPLATE CODE_BUCKET [Name=Value ...]
Local CodeUri values become s3://CODE_BUCKET/<binary>.zip (what `sam package` uploads)."""

import json
import os
import sys

from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse


class NoManagedPolicies:
    """trailwarden's template names managed policies by ARN only, so nothing needs looking up."""

    def load(self):
        return {}


def main():
    # The translator fills in AWS::Region; the rehearsal deploys to the emulator's us-east-1.
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    path, bucket, *overrides = sys.argv[1:]
    with open(path, encoding="utf-8") as f:
        template = yaml_parse(f.read())
    for resource in template.get("Resources", {}).values():
        if resource.get("Type") == "AWS::Serverless::Function":
            binary = resource.get("Metadata", {}).get("BuildProperties", {}).get("Binary", "bootstrap")
            resource.setdefault("Properties", {})["CodeUri"] = f"s3://{bucket}/{binary}.zip"
    template.get("Globals", {}).get("Function", {}).pop("CodeUri", None)
    parameters = dict(item.split("=", 1) for item in overrides)
    print(json.dumps(transform(template, parameters, NoManagedPolicies()), indent=1, sort_keys=True))


main()
