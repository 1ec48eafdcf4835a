"""The demo's AWS side, against the local emulator (moto): arrange the account, play the attacker,
show the trail's status and the alerts that arrived. Called by scripts/demo."""

import datetime
import json
import sys

import boto3

ENDPOINT = sys.argv[1]
COMMAND = sys.argv[2]
REGION = "us-east-1"
BUCKET = "trailwarden-demo-logs"
JOURNAL = "trailwarden-iam-journal"
TRAIL = "audit"


def client(service):
    return boto3.client(service, endpoint_url=ENDPOINT, region_name=REGION,
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def setup():
    """A bucket, a logging trail, an alert topic with a queue subscribed. Prints the topic ARN."""
    client("s3").create_bucket(Bucket=BUCKET)
    cloudtrail = client("cloudtrail")
    cloudtrail.create_trail(Name=TRAIL, S3BucketName=BUCKET, IsMultiRegionTrail=True,
                            EnableLogFileValidation=True, IncludeGlobalServiceEvents=True)
    cloudtrail.start_logging(Name=TRAIL)
    topic = client("sns").create_topic(Name="trailwarden-alerts")["TopicArn"]
    sqs = client("sqs")
    queue = sqs.create_queue(QueueName="alerts-inbox")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    client("sns").subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn,
                            Attributes={"RawMessageDelivery": "true"})
    # iam-guard's journal, with the template's keys and index.
    client("dynamodb").create_table(
        TableName=JOURNAL, BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"} for a in ("pk", "sk", "account")],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        GlobalSecondaryIndexes=[{"IndexName": "account", "Projection": {"ProjectionType": "ALL"},
                                 "KeySchema": [{"AttributeName": "account", "KeyType": "HASH"},
                                               {"AttributeName": "pk", "KeyType": "RANGE"}]}])
    print(topic)


def status():
    logging = client("cloudtrail").get_trail_status(Name=TRAIL)["IsLogging"]
    print(f"trail {TRAIL}: {'LOGGING' if logging else 'STOPPED'}")


def delivered(sample, changes=None, seconds_ago=0, to=None):
    """Writes .demo/<sample> (or .demo/<to>): the sample event as CloudTrail would deliver it for
    the call made `seconds_ago`, stamped with that time (trail-guard compares it with the trail's
    StopLoggingTime). `changes` edits the event's detail."""
    with open(f"events/{sample}", encoding="utf-8") as f:
        event = json.load(f)
    made = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=seconds_ago)
    event["time"] = event["detail"]["eventTime"] = made.strftime("%Y-%m-%dT%H:%M:%SZ")
    if changes:
        changes(event["detail"])
    with open(f".demo/{to or sample}", "w", encoding="utf-8") as f:
        json.dump(event, f)


def attack():
    client("cloudtrail").stop_logging(Name=TRAIL)
    delivered("stop-logging.json")
    print(f"attacker: StopLogging on trail {TRAIL}")


def late():
    """mallory stopped the trail a minute ago, and her event is delivered only now; meanwhile (after
    a restart) a break-glass engineer stopped it again. Writes mallory's event, stamped a minute
    ago, to .demo/stop-logging-late.json."""
    cloudtrail = client("cloudtrail")
    cloudtrail.stop_logging(Name=TRAIL)
    delivered("stop-logging.json", seconds_ago=60, to="stop-logging-late.json")
    print(f"break-glass: StopLogging on trail {TRAIL} (now); mallory's StopLogging a minute ago arrives late")


def attack_and_delete():
    cloudtrail = client("cloudtrail")
    cloudtrail.stop_logging(Name=TRAIL)
    cloudtrail.delete_trail(Name=TRAIL)
    delivered("stop-logging.json")
    print(f"attacker: StopLogging, then DeleteTrail, on trail {TRAIL}")


ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"


def iam_attack():
    """The attacker grants user alice AdministratorAccess and a new access key. Writes the events
    CloudTrail would deliver (the CreateAccessKey one with the key id the emulator issued) to
    .demo/."""
    iam = client("iam")
    iam.create_user(UserName="alice")
    iam.attach_user_policy(UserName="alice", PolicyArn=ADMIN)
    delivered("attach-user-policy.json")
    key = iam.create_access_key(UserName="alice")["AccessKey"]["AccessKeyId"]
    print(f"attacker (user mallory): AttachUserPolicy AdministratorAccess to alice; CreateAccessKey {key} for alice")
    delivered("create-access-key.json",
              lambda detail: detail["responseElements"]["accessKey"].update(accessKeyId=key))


def iam_status():
    iam = client("iam")
    policies = [p["PolicyName"] for p in iam.list_attached_user_policies(UserName="alice")["AttachedPolicies"]]
    keys = [f"{k['AccessKeyId']} {k['Status']}" for k in iam.list_access_keys(UserName="alice")["AccessKeyMetadata"]]
    print(f"user alice: policies {policies or 'none'}; access keys {keys or 'none'}")


S3_READ = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}'
ALLOW_ALL = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}'


def journal_setup():
    """User bob with the inline policy `s3`, read-only: the state the snapshot records."""
    iam = client("iam")
    iam.create_user(UserName="bob")
    iam.put_user_policy(UserName="bob", PolicyName="s3", PolicyDocument=S3_READ)
    print("user bob: inline policy s3 allows s3:GetObject")


def journal_attack():
    """The attacker overwrites bob's `s3` with allow-all; its event, seconds old (event history
    does not hold it yet), to .demo/put-user-policy.json."""
    client("iam").put_user_policy(UserName="bob", PolicyName="s3", PolicyDocument=ALLOW_ALL)

    def on_bob(detail):
        detail["requestParameters"].update(userName="bob", policyName="s3", policyDocument=ALLOW_ALL)
        detail["eventID"] = "6f9a8b20-0000-4000-8000-00000000d001"

    delivered("put-user-policy.json", on_bob)
    print("attacker (user mallory): PutUserPolicy s3 on bob, now allowing everything")


def journal_status():
    iam = client("iam")
    names = iam.list_user_policies(UserName="bob")["PolicyNames"]
    document = iam.get_user_policy(UserName="bob", PolicyName="s3")["PolicyDocument"]
    actions = [s["Action"] for s in document["Statement"]]
    print(f"user bob: inline policies {names}; s3 allows {actions}")


MEMBER = "222222222222"


def member_client(service):
    """A client acting in the member account: the emulator grants any AssumeRole, and its
    credentials act in the role's account."""
    credentials = client("sts").assume_role(RoleArn=f"arn:aws:iam::{MEMBER}:role/demo-admin",
                                           RoleSessionName="demo")["Credentials"]
    return boto3.client(service, endpoint_url=ENDPOINT, region_name=REGION,
                        aws_access_key_id=credentials["AccessKeyId"],
                        aws_secret_access_key=credentials["SecretAccessKey"],
                        aws_session_token=credentials["SessionToken"])


def org_attack():
    """In the member account, mallory grants user bob AdministratorAccess. Writes the event as the
    member's forwarding rule puts it on the central bus to .demo/attach-user-policy-member.json."""
    iam = member_client("iam")
    iam.create_user(UserName="bob")
    iam.attach_user_policy(UserName="bob", PolicyArn=ADMIN)

    def in_member(detail):
        detail["recipientAccountId"] = MEMBER
        detail["userIdentity"].update(accountId=MEMBER, arn=f"arn:aws:iam::{MEMBER}:user/mallory")
        detail["requestParameters"]["userName"] = "bob"

    delivered("attach-user-policy.json", in_member, to="attach-user-policy-member.json")
    with open(".demo/attach-user-policy-member.json", encoding="utf-8") as f:
        event = json.load(f)
    event["account"] = MEMBER
    with open(".demo/attach-user-policy-member.json", "w", encoding="utf-8") as f:
        json.dump(event, f)
    print(f"attacker (user mallory of account {MEMBER}): AttachUserPolicy AdministratorAccess to bob there")


def org_status():
    iam = member_client("iam")
    policies = [p["PolicyName"] for p in iam.list_attached_user_policies(UserName="bob")["AttachedPolicies"]]
    print(f"account {MEMBER}, user bob: policies {policies or 'none'}")


def alerts():
    """Every alert waiting in the queue, as the email a person would read, then its attributes."""
    sqs = client("sqs")
    queue = sqs.get_queue_url(QueueName="alerts-inbox")["QueueUrl"]
    received = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=2,
                                   MessageAttributeNames=["All"]).get("Messages", [])
    if not received:
        print("no alert arrived")
        sys.exit(1)
    for message in received:
        document = json.loads(message["Body"])
        attributes = {k: v["StringValue"] for k, v in message.get("MessageAttributes", {}).items()}
        print(f"Subject: {document['subject']}")
        print(f"Attributes: {json.dumps(attributes, sort_keys=True)}")
        print()
        print(document["text"])


{"setup": setup, "status": status, "attack": attack, "late": late, "attack-and-delete": attack_and_delete,
 "iam-attack": iam_attack, "iam-status": iam_status, "journal-setup": journal_setup,
 "journal-attack": journal_attack, "journal-status": journal_status, "org-attack": org_attack, "org-status": org_status,
 "alerts": alerts}[COMMAND]()
