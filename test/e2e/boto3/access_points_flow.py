"""Access points and tags for directory buckets with unmodified boto3 (s3control and s3).

Run by test/e2e/access-points.test.ts against a running Zonal: the arguments arrive as one JSON
object in ZONAL_FLOW (endpoint, region, account, bucket, and the credentials of the root and of
the users the test created). Prints one line per checked step; exits non-zero at the first
step that does not hold.
"""

import json
import os
import sys

import boto3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.httpsession import URLLib3Session
from botocore.exceptions import ClientError

args = json.loads(os.environ["ZONAL_FLOW"])
ENDPOINT = args["endpoint"]
REGION = args["region"]
ACCOUNT = args["account"]
BUCKET = args["bucket"]
ZONE = BUCKET.split("--")[1]
CONFIG = Config(retries={"max_attempts": 1})


def client(service, creds, config=CONFIG):
    return boto3.client(
        service,
        endpoint_url=ENDPOINT,
        region_name=REGION,
        aws_access_key_id=creds["accessKeyId"],
        aws_secret_access_key=creds["secretAccessKey"],
        config=config,
    )


def check(what, condition):
    if not condition:
        print(f"FAILED: {what}", flush=True)
        sys.exit(1)
    print(f"ok: {what}", flush=True)


def error_of(call):
    try:
        call()
    except ClientError as e:
        return e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"]
    return None, 200


control = client("s3control", args["root"])
s3 = client("s3", args["root"])
user_s3 = client("s3", args["everything"])
abac_s3 = client("s3", args["abac"])

ap = f"boto{os.getpid()}--{ZONE}--xa-s3"
ap_arn = f"arn:aws:s3express:{REGION}:{ACCOUNT}:accesspoint/{ap}"
bucket_arn = f"arn:aws:s3express:{REGION}:{ACCOUNT}:bucket/{BUCKET}"

# --- access points: round trips ----------------------------------------------------------
created = control.create_access_point(
    AccountId=ACCOUNT,
    Name=ap,
    Bucket=BUCKET,
    Scope={"Prefixes": ["boto/shared/"], "Permissions": ["GetObject", "ListBucket"]},
    Tags=[{"Key": "team", "Value": "data"}],
)
check("CreateAccessPoint returns the ARN", created["AccessPointArn"] == ap_arn)
got = control.get_access_point(AccountId=ACCOUNT, Name=ap)
check("GetAccessPoint names the bucket", got["Bucket"] == BUCKET and got["NetworkOrigin"] == "Internet")
names = []
kwargs = {"AccountId": ACCOUNT, "DirectoryBucket": BUCKET, "MaxResults": 1}
while True:
    page = control.list_access_points_for_directory_buckets(**kwargs)
    names += [a["Name"] for a in page.get("AccessPointList", [])]
    if "NextToken" not in page:
        break
    kwargs["NextToken"] = page["NextToken"]
check("ListAccessPointsForDirectoryBuckets pages to the access point", ap in names)
scope = control.get_access_point_scope(AccountId=ACCOUNT, Name=ap)["Scope"]
check("GetAccessPointScope", scope == {"Prefixes": ["boto/shared/"], "Permissions": ["GetObject", "ListBucket"]})

policy = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                "Action": "s3express:CreateSession",
                "Resource": ap_arn,
            }
        ],
    }
)
control.put_access_point_policy(AccountId=ACCOUNT, Name=ap, Policy=policy)
check("Put/GetAccessPointPolicy", json.loads(control.get_access_point_policy(AccountId=ACCOUNT, Name=ap)["Policy"]) == json.loads(policy))
control.delete_access_point_policy(AccountId=ACCOUNT, Name=ap)
check(
    "DeleteAccessPointPolicy, then NoSuchAccessPointPolicy",
    error_of(lambda: control.get_access_point_policy(AccountId=ACCOUNT, Name=ap)) == ("NoSuchAccessPointPolicy", 404),
)

# --- validation errors ---------------------------------------------------------------------
check(
    "an access point in another zone than its bucket: InvalidRequest",
    error_of(lambda: control.create_access_point(AccountId=ACCOUNT, Name=f"x{os.getpid()}--usw2-az1--xa-s3", Bucket=BUCKET))
    == ("InvalidRequest", 400),
)
check(
    "the same name twice: AccessPointAlreadyOwnedByYou",
    error_of(lambda: control.create_access_point(AccountId=ACCOUNT, Name=ap, Bucket=BUCKET))
    == ("AccessPointAlreadyOwnedByYou", 409),
)
check(
    "a missing access point: NoSuchAccessPoint",
    error_of(lambda: control.get_access_point(AccountId=ACCOUNT, Name=f"none--{ZONE}--xa-s3")) == ("NoSuchAccessPoint", 404),
)
check(
    "an unknown scope permission: InvalidArgument",
    error_of(
        lambda: control.put_access_point_scope(AccountId=ACCOUNT, Name=ap, Scope={"Permissions": ["RenameObject"]})
    )
    == ("InvalidArgument", 400),
)

# --- the data path through the access point ------------------------------------------------
s3.put_object(Bucket=BUCKET, Key="boto/shared/a.txt", Body=b"shared")
s3.put_object(Bucket=BUCKET, Key="boto/private/b.txt", Body=b"private")
body = user_s3.get_object(Bucket=ap, Key="boto/shared/a.txt")["Body"].read()
check("GetObject through the access point, within its scope", body == b"shared")
check(
    "GetObject through the access point, outside its prefixes: AccessDenied",
    error_of(lambda: user_s3.get_object(Bucket=ap, Key="boto/private/b.txt")) == ("AccessDenied", 403),
)
check(
    "PutObject through the access point, outside its permissions: AccessDenied",
    error_of(lambda: user_s3.put_object(Bucket=ap, Key="boto/shared/new.txt", Body=b"x")) == ("AccessDenied", 403),
)
listed = user_s3.list_objects_v2(Bucket=ap, Prefix="boto/shared/")
check("ListObjectsV2 through the access point", [o["Key"] for o in listed.get("Contents", [])] == ["boto/shared/a.txt"])
def session_get(session, bucket, key):
    """GetObject signed with S3 Express session credentials by botocore's own SigV4 signer."""
    request = AWSRequest(
        method="GET",
        url=f"{ENDPOINT}/{bucket}/{key}",
        headers={"x-amz-s3session-token": session["SessionToken"], "x-amz-content-sha256": "UNSIGNED-PAYLOAD"},
    )
    credentials = Credentials(session["AccessKeyId"], session["SecretAccessKey"])
    SigV4Auth(credentials, "s3express", REGION).add_auth(request)
    return URLLib3Session().send(request.prepare())


session = user_s3.create_session(Bucket=ap)["Credentials"]
through = session_get(session, ap, "boto/shared/a.txt")
check("a session of the access point reads through it", through.status_code == 200 and through.content == b"shared")
direct = session_get(session, BUCKET, "boto/shared/a.txt")
check(
    "the same session on the bucket's own name: AccessDenied",
    direct.status_code == 403 and b"<Code>AccessDenied</Code>" in direct.content,
)
control.delete_access_point_scope(AccountId=ACCOUNT, Name=ap)
body = user_s3.get_object(Bucket=ap, Key="boto/private/b.txt")["Body"].read()
check("without a scope the access point reaches the whole bucket", body == b"private")

# --- tags ----------------------------------------------------------------------------------
tags = lambda arn: {t["Key"]: t["Value"] for t in control.list_tags_for_resource(AccountId=ACCOUNT, ResourceArn=arn)["Tags"]}
check("the access point's tags from CreateAccessPoint", tags(ap_arn) == {"team": "data"})
control.tag_resource(AccountId=ACCOUNT, ResourceArn=ap_arn, Tags=[{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}])
control.untag_resource(AccountId=ACCOUNT, ResourceArn=ap_arn, TagKeys=["team", "a"])
check("TagResource and UntagResource (two keys) on an access point", tags(ap_arn) == {"b": "2"})
check(
    "a reserved tag key: InvalidTag",
    error_of(lambda: control.tag_resource(AccountId=ACCOUNT, ResourceArn=bucket_arn, Tags=[{"Key": "aws:x", "Value": "1"}]))
    == ("InvalidTag", 400),
)

tagged = f"boto{os.getpid()}--{ZONE}--x-s3"
# IAM-signed, as the SDKs' control-plane calls to a custom endpoint need to be.
s3_control_plane = client("s3", args["root"], CONFIG.merge(Config(s3={"disable_s3_express_session_auth": True})))
s3_control_plane.create_bucket(
    Bucket=tagged,
    CreateBucketConfiguration={
        "Location": {"Type": "AvailabilityZone", "Name": ZONE},
        "Bucket": {"Type": "Directory", "DataRedundancy": "SingleAvailabilityZone"},
        "Tags": [{"Key": "team", "Value": "ml"}],
    },
)
tagged_arn = f"arn:aws:s3express:{REGION}:{ACCOUNT}:bucket/{tagged}"
check("tags given at CreateBucket", tags(tagged_arn) == {"team": "ml"})
s3.put_object(Bucket=tagged, Key="k", Body=b"abac")
check(
    "aws:ResourceTag/team = data does not match team=ml: AccessDenied",
    error_of(lambda: abac_s3.get_object(Bucket=tagged, Key="k")) == ("AccessDenied", 403),
)
control.tag_resource(AccountId=ACCOUNT, ResourceArn=tagged_arn, Tags=[{"Key": "team", "Value": "data"}])
abac_s3 = client("s3", args["abac"])  # a fresh session cache
check("aws:ResourceTag/team = data matches after TagResource", abac_s3.get_object(Bucket=tagged, Key="k")["Body"].read() == b"abac")

control.delete_access_point(AccountId=ACCOUNT, Name=ap)
check(
    "DeleteAccessPoint, then requests through it: NoSuchAccessPoint",
    error_of(lambda: client("s3", args["everything"]).get_object(Bucket=ap, Key="boto/shared/a.txt"))[0] == "NoSuchAccessPoint",
)
print("boto3 flow done", flush=True)
