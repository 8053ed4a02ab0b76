"""The AWS CLI (v1) against Zonal through a profile (the README recipe): bucket commands,
`aws s3 cp` (multipart above 8 MiB, `--recursive`), `ls`, `rm`, `presign`, s3api calls, a
ReadOnly user's AccessDenied, and the IAM and STS commands. `*.localhost` resolves to the
loopback through site/sitecustomize.py on PYTHONPATH."""
import json
import os
import subprocess
import urllib.request
import ssl
import uuid

import pytest

from conftest import CA_BUNDLE, ENDPOINT, REGION, ROOT, ZONE, new_bucket_name

HERE = os.path.dirname(os.path.abspath(__file__))
MiB = 1024 * 1024


@pytest.fixture(scope="module")
def profile(tmp_path_factory):
    """A config file with a `zonal` profile, as the README shows it."""
    directory = tmp_path_factory.mktemp("aws")
    config = directory / "config"
    lines = [
        "[profile zonal]",
        f"region = {REGION}",
        f"endpoint_url = {ENDPOINT}",
        f"aws_access_key_id = {ROOT['aws_access_key_id']}",
        f"aws_secret_access_key = {ROOT['aws_secret_access_key']}",
    ]
    if CA_BUNDLE:
        lines.append(f"ca_bundle = {CA_BUNDLE}")
    config.write_text("\n".join(lines) + "\n")
    return str(config)


def aws(profile, *args, check=True, keys=None):
    env = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/tmp"),
        "AWS_CONFIG_FILE": profile,
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
        "AWS_PROFILE": "zonal",
        "AWS_EC2_METADATA_DISABLED": "true",
        "PYTHONPATH": os.path.join(HERE, "site"),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    if keys:
        env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"] = keys
    res = subprocess.run(["aws", *args], env=env, capture_output=True, text=True, timeout=120)
    if check and res.returncode != 0:
        raise AssertionError(f"aws {' '.join(args)} exited {res.returncode}: {res.stderr}")
    return res


def test_buckets_objects_and_transfers(profile, tmp_path):
    bucket = new_bucket_name("cli")
    made = json.loads(aws(profile, "s3api", "create-bucket", "--bucket", bucket,
                          "--create-bucket-configuration",
                          f"Location={{Type=AvailabilityZone,Name={ZONE}}},Bucket={{Type=Directory,DataRedundancy=SingleAvailabilityZone}}").stdout)
    assert made["Location"] == f"/{bucket}"
    listed = json.loads(aws(profile, "s3api", "list-directory-buckets").stdout)
    assert bucket in [b["Name"] for b in listed["Buckets"]]
    # `aws s3 ls` is ListBuckets: general purpose buckets, of which Zonal has none.
    assert aws(profile, "s3", "ls").stdout.strip() == ""

    tree = tmp_path / "tree"
    (tree / "sub").mkdir(parents=True)
    (tree / "a.txt").write_text("alpha")
    (tree / "sub" / "b.txt").write_text("beta")
    big = bytes(range(256)) * (9 * MiB // 256)
    (tree / "big.bin").write_bytes(big)  # above the CLI's 8 MiB multipart threshold
    aws(profile, "s3", "cp", "--recursive", str(tree), f"s3://{bucket}/up/")
    out = aws(profile, "s3", "ls", "--recursive", f"s3://{bucket}/").stdout
    assert sorted(line.split()[-1] for line in out.splitlines()) == ["up/a.txt", "up/big.bin", "up/sub/b.txt"]
    assert aws(profile, "s3", "cp", f"s3://{bucket}/up/a.txt", "-").stdout == "alpha"
    back = tmp_path / "back"
    aws(profile, "s3", "cp", "--recursive", f"s3://{bucket}/up/", str(back))
    assert (back / "big.bin").read_bytes() == big
    assert (back / "sub" / "b.txt").read_text() == "beta"
    aws(profile, "s3", "cp", f"s3://{bucket}/up/a.txt", f"s3://{bucket}/copied.txt")

    url = aws(profile, "s3", "presign", f"s3://{bucket}/copied.txt", "--expires-in", "300").stdout.strip()
    context = ssl.create_default_context(cafile=CA_BUNDLE) if CA_BUNDLE else None
    with urllib.request.urlopen(url, context=context) as res:
        assert res.read() == b"alpha"

    missing = aws(profile, "s3api", "head-object", "--bucket", bucket, "--key", "nope", check=False)
    assert missing.returncode != 0 and "404" in missing.stderr
    aws(profile, "s3", "rm", "--recursive", f"s3://{bucket}/")
    assert json.loads(aws(profile, "s3api", "list-objects-v2", "--bucket", bucket).stdout or "{}").get("KeyCount", 0) == 0
    aws(profile, "s3api", "delete-bucket", "--bucket", bucket)


def test_read_only_user_gets_access_denied(profile, tmp_path):
    bucket = new_bucket_name("cliro")
    aws(profile, "s3api", "create-bucket", "--bucket", bucket)
    name = f"cli-reader-{uuid.uuid4().hex[:6]}"
    aws(profile, "iam", "create-user", "--user-name", name)
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3express:CreateSession",
              "Resource": "*", "Condition": {"StringEquals": {"s3express:SessionMode": "ReadOnly"}}}]}
    aws(profile, "iam", "put-user-policy", "--user-name", name, "--policy-name", "ro",
        "--policy-document", json.dumps(policy))
    key = json.loads(aws(profile, "iam", "create-access-key", "--user-name", name).stdout)["AccessKey"]
    keys = (key["AccessKeyId"], key["SecretAccessKey"])
    who = json.loads(aws(profile, "sts", "get-caller-identity", keys=keys).stdout)
    assert who["Arn"].endswith(f":user/{name}")
    src = tmp_path / "f.bin"
    src.write_bytes(b"x" * (2 * MiB))
    aws(profile, "s3", "cp", str(src), f"s3://{bucket}/f.bin")
    assert "f.bin" in aws(profile, "s3", "ls", f"s3://{bucket}/", keys=keys).stdout
    denied = aws(profile, "s3", "cp", str(src), f"s3://{bucket}/denied.bin", keys=keys, check=False)
    assert denied.returncode != 0
    assert "AccessDenied" in denied.stderr, denied.stderr
    assert "SSL" not in denied.stderr, denied.stderr
    aws(profile, "s3", "rm", f"s3://{bucket}/f.bin")
    aws(profile, "s3api", "delete-bucket", "--bucket", bucket)
