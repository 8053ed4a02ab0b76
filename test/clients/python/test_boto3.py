"""boto3 against Zonal, with default clients (S3 Express session auth, as botocore picks it
for directory buckets): buckets, sessions, objects, listing, multipart through s3transfer,
copy, batch delete, checksums, presigned URLs, conditional writes, the IAM and STS APIs and the
error codes clients branch on. Every S3 error must arrive as an S3 error (never an SSLError)."""
import base64
import hashlib
import json
import ssl
import urllib.request
import uuid
import zlib

import boto3
import pytest
from boto3.s3.transfer import TransferConfig
from botocore.exceptions import ClientError

from conftest import CA_BUNDLE, ENDPOINT, REGION, ZONE, client, new_bucket_name

MiB = 1024 * 1024


def error_of(excinfo):
    err = excinfo.value.response["Error"]
    return err.get("Code"), excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"]


def test_first_call_creates_a_bucket_with_a_default_client():
    # The README recipe: a fresh client, nothing disabled, CreateBucket first.
    s3 = client()
    name = new_bucket_name("first")
    s3.create_bucket(
        Bucket=name,
        CreateBucketConfiguration={
            "Location": {"Type": "AvailabilityZone", "Name": ZONE},
            "Bucket": {"Type": "Directory", "DataRedundancy": "SingleAvailabilityZone"},
        },
    )
    s3.put_object(Bucket=name, Key="k", Body=b"v")
    assert s3.get_object(Bucket=name, Key="k")["Body"].read() == b"v"
    names = [b["Name"] for b in s3.list_directory_buckets()["Buckets"]]
    assert name in names
    # ListBuckets lists general purpose buckets: none, as on AWS.
    assert s3.list_buckets().get("Buckets", []) == []
    with pytest.raises(ClientError) as e:
        s3.create_bucket(Bucket=name)
    assert error_of(e) == ("BucketAlreadyOwnedByYou", 409)
    s3.head_bucket(Bucket=name)
    s3.delete_object(Bucket=name, Key="k")
    s3.delete_bucket(Bucket=name)
    with pytest.raises(ClientError) as e:
        s3.head_bucket(Bucket=name)
    assert error_of(e)[1] == 404


def test_objects_metadata_ranges_and_missing_keys(s3, bucket):
    s3.put_object(Bucket=bucket, Key="docs/a.txt", Body=b"hello world", ContentType="text/plain",
                  Metadata={"colour": "blue"})
    head = s3.head_object(Bucket=bucket, Key="docs/a.txt")
    assert head["ContentLength"] == 11
    assert head["ContentType"] == "text/plain"
    assert head["Metadata"] == {"colour": "blue"}
    assert s3.get_object(Bucket=bucket, Key="docs/a.txt", Range="bytes=6-")["Body"].read() == b"world"
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key="missing")
    assert error_of(e) == ("NoSuchKey", 404)
    with pytest.raises(ClientError) as e:
        s3.head_object(Bucket=bucket, Key="missing")
    assert error_of(e) == ("404", 404)
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=new_bucket_name("gone"), Key="k")
    assert error_of(e) == ("NoSuchBucket", 404)


def test_keys_with_leading_slashes_round_trip(s3, bucket):
    keys = ["lead/x", "/lead/x", "//x", "a//b", "sp ace+plus%"]
    for key in keys:
        s3.put_object(Bucket=bucket, Key=key, Body=key.encode())
    for key in keys:
        assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == key.encode()
    listed = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    assert sorted(listed) == sorted(keys)


def test_listing_prefix_delimiter_and_pages(s3, bucket):
    for key in ["a/1", "a/2", "a/b/3", "c", "d/4"]:
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    top = s3.list_objects_v2(Bucket=bucket, Delimiter="/")
    assert [o["Key"] for o in top["Contents"]] == ["c"]
    assert sorted(p["Prefix"] for p in top["CommonPrefixes"]) == ["a/", "d/"]
    under = s3.list_objects_v2(Bucket=bucket, Prefix="a/", Delimiter="/")
    assert [o["Key"] for o in under["Contents"]] == ["a/1", "a/2"]
    pages = list(s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, PaginationConfig={"PageSize": 2}))
    assert len(pages) == 3
    assert sum(len(p.get("Contents", [])) for p in pages) == 5


def test_multipart_through_s3transfer(s3, bucket, tmp_path):
    data = bytes(range(256)) * (12 * MiB // 256 + 3)
    src = tmp_path / "big.bin"
    src.write_bytes(data)
    config = TransferConfig(multipart_threshold=5 * MiB, multipart_chunksize=5 * MiB, max_concurrency=2)
    s3.upload_file(str(src), bucket, "big.bin", Config=config)
    head = s3.head_object(Bucket=bucket, Key="big.bin")
    assert head["ContentLength"] == len(data)
    dst = tmp_path / "back.bin"
    s3.download_file(bucket, "big.bin", str(dst), Config=config)
    assert hashlib.sha256(dst.read_bytes()).digest() == hashlib.sha256(data).digest()
    # A managed copy of a multipart object (UploadPartCopy above the threshold).
    s3.copy({"Bucket": bucket, "Key": "big.bin"}, bucket, "big-copy.bin", Config=config)
    assert s3.head_object(Bucket=bucket, Key="big-copy.bin")["ContentLength"] == len(data)
    # Explicit multipart calls, and NoSuchUpload.
    up = s3.create_multipart_upload(Bucket=bucket, Key="parts")
    part = s3.upload_part(Bucket=bucket, Key="parts", UploadId=up["UploadId"], PartNumber=1, Body=b"only")
    assert [p["PartNumber"] for p in s3.list_parts(Bucket=bucket, Key="parts", UploadId=up["UploadId"])["Parts"]] == [1]
    s3.complete_multipart_upload(Bucket=bucket, Key="parts", UploadId=up["UploadId"],
                                 MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]})
    assert s3.get_object(Bucket=bucket, Key="parts")["Body"].read() == b"only"
    with pytest.raises(ClientError) as e:
        s3.upload_part(Bucket=bucket, Key="parts", UploadId=up["UploadId"], PartNumber=2, Body=b"late")
    assert error_of(e) == ("NoSuchUpload", 404)


def test_copy_and_batch_delete(s3, bucket):
    s3.put_object(Bucket=bucket, Key="src", Body=b"copied", Metadata={"m": "1"})
    s3.copy_object(Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "src"})
    got = s3.get_object(Bucket=bucket, Key="dst")
    assert got["Body"].read() == b"copied"
    assert got["Metadata"] == {"m": "1"}
    for i in range(5):
        s3.put_object(Bucket=bucket, Key=f"del/{i}", Body=b"x")
    res = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": f"del/{i}"} for i in range(5)] + [{"Key": "del/none"}]})
    assert sorted(d["Key"] for d in res["Deleted"]) == sorted([f"del/{i}" for i in range(5)] + ["del/none"])
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket, Prefix="del/")


def _has_crt():
    try:
        import awscrt  # noqa: F401
    except ImportError:
        return False
    return True


def test_checksums(s3, bucket):
    body = b"checksummed bytes"
    # botocore computes CRC32C and CRC64NVME only with awscrt installed (boto3[crt]).
    crt = ["CRC32C", "CRC64NVME"] if _has_crt() else []
    for algorithm in ["CRC32", "SHA1", "SHA256", *crt]:
        key = f"sum/{algorithm}"
        s3.put_object(Bucket=bucket, Key=key, Body=body, ChecksumAlgorithm=algorithm)
        got = s3.get_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
        assert got["Body"].read() == body
        assert got.get(f"Checksum{algorithm}"), algorithm
    crc = base64.b64encode(zlib.crc32(body).to_bytes(4, "big")).decode()
    assert s3.head_object(Bucket=bucket, Key="sum/CRC32", ChecksumMode="ENABLED")["ChecksumCRC32"] == crc
    # A wrong checksum is BadDigest, as an S3 error (not a TLS failure).
    wrong = base64.b64encode(hashlib.sha256(b"other").digest()).decode()
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key="sum/bad", Body=body, ChecksumSHA256=wrong)
    assert error_of(e)[0] in ("BadDigest", "InvalidRequest")


def test_conditional_writes_and_appends(s3, bucket):
    s3.put_object(Bucket=bucket, Key="once", Body=b"1", IfNoneMatch="*")
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key="once", Body=b"2", IfNoneMatch="*")
    assert error_of(e) == ("PreconditionFailed", 412)
    etag = s3.head_object(Bucket=bucket, Key="once")["ETag"]
    s3.put_object(Bucket=bucket, Key="once", Body=b"3", IfMatch=etag)
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key="once", Body=b"4", IfMatch=etag)
    assert error_of(e) == ("PreconditionFailed", 412)
    # Appends: the write offset must be the current size.
    s3.put_object(Bucket=bucket, Key="log", Body=b"abc", WriteOffsetBytes=0)
    s3.put_object(Bucket=bucket, Key="log", Body=b"def", WriteOffsetBytes=3)
    assert s3.get_object(Bucket=bucket, Key="log")["Body"].read() == b"abcdef"
    for _ in range(3):
        # Refused from its head while the client waits to send 2 MiB: the S3 error every time.
        with pytest.raises(ClientError) as e:
            s3.put_object(Bucket=bucket, Key="log", Body=b"x" * (2 * MiB), WriteOffsetBytes=1)
        assert error_of(e) == ("InvalidWriteOffset", 400)
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key="acl", Body=b"x" * MiB, ACL="public-read")
    assert error_of(e) == ("NotImplemented", 501)


def _fetch(url, method="GET", data=None):
    context = ssl.create_default_context(cafile=CA_BUNDLE) if CA_BUNDLE else None
    req = urllib.request.Request(url, method=method, data=data)
    try:
        with urllib.request.urlopen(req, context=context) as res:
            return res.status, res.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def test_presigned_urls(s3, bucket):
    # SigV4 presigning (boto3 presigns with SigV2 unless told s3v4).
    signer = client(signature_version="s3v4")
    s3.put_object(Bucket=bucket, Key="shared", Body=b"presigned")
    url = signer.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "shared"}, ExpiresIn=300)
    assert _fetch(url) == (200, b"presigned")
    put = signer.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": "uploaded"}, ExpiresIn=300)
    status, _ = _fetch(put, "PUT", b"via url")
    assert status == 200
    assert s3.get_object(Bucket=bucket, Key="uploaded")["Body"].read() == b"via url"
    tampered = url.replace("shared", "other")
    assert _fetch(tampered)[0] == 403


def test_sessions_read_write_and_read_only(s3, bucket):
    rw = s3.create_session(Bucket=bucket, SessionMode="ReadWrite")["Credentials"]
    ro = s3.create_session(Bucket=bucket, SessionMode="ReadOnly")["Credentials"]
    assert rw["AccessKeyId"] != ro["AccessKeyId"]
    assert rw["Expiration"] > ro["Expiration"].__class__.now(ro["Expiration"].tzinfo)
    # A user whose policy allows only ReadOnly sessions: its default client gets ReadOnly ones.
    iam = client("iam")
    name = f"reader-{uuid.uuid4().hex[:8]}"
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="ro", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Action": "s3express:CreateSession",
            "Resource": "*",
            "Condition": {"StringEquals": {"s3express:SessionMode": "ReadOnly"}},
        }],
    }))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    reader = client(keys={"aws_access_key_id": key["AccessKeyId"], "aws_secret_access_key": key["SecretAccessKey"]})
    s3.put_object(Bucket=bucket, Key="public", Body=b"read me")
    assert reader.get_object(Bucket=bucket, Key="public")["Body"].read() == b"read me"
    assert [o["Key"] for o in reader.list_objects_v2(Bucket=bucket)["Contents"]] == ["public"]
    for size in [10, 3 * MiB]:
        with pytest.raises(ClientError) as e:
            reader.put_object(Bucket=bucket, Key="denied", Body=b"x" * size)
        assert error_of(e) == ("AccessDenied", 403)
    with pytest.raises(ClientError) as e:
        reader.create_bucket(Bucket=new_bucket_name("denied"))
    assert error_of(e)[1] in (403, 404)
    iam.delete_access_key(UserName=name, AccessKeyId=key["AccessKeyId"])
    iam.delete_user_policy(UserName=name, PolicyName="ro")
    iam.delete_user(UserName=name)


def test_iam_and_sts():
    sts = client("sts")
    identity = sts.get_caller_identity()
    assert identity["Arn"].endswith(":root")
    iam = client("iam")
    name = f"u-{uuid.uuid4().hex[:8]}"
    iam.create_user(UserName=name)
    assert name in [u["UserName"] for u in iam.list_users()["Users"]]
    with pytest.raises(ClientError) as e:
        iam.create_user(UserName=name)
    assert error_of(e) == ("EntityAlreadyExists", 409)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    who = client("sts", keys={"aws_access_key_id": key["AccessKeyId"], "aws_secret_access_key": key["SecretAccessKey"]})
    assert who.get_caller_identity()["Arn"].endswith(f":user/{name}")
    iam.delete_access_key(UserName=name, AccessKeyId=key["AccessKeyId"])
    iam.delete_user(UserName=name)
    with pytest.raises(ClientError) as e:
        iam.get_user(UserName=name)
    assert error_of(e) == ("NoSuchEntity", 404)


def test_bad_credentials_are_s3_errors():
    bad = client(keys={"aws_access_key_id": "AKIANOSUCHKEY0000000", "aws_secret_access_key": "x" * 40})
    with pytest.raises(ClientError) as e:
        bad.list_directory_buckets()
    assert error_of(e) == ("InvalidAccessKeyId", 403)
    wrong = client(keys={"aws_access_key_id": client()._request_signer._credentials.access_key,
                         "aws_secret_access_key": "y" * 40})
    with pytest.raises(ClientError) as e:
        wrong.list_directory_buckets()
    assert error_of(e) == ("SignatureDoesNotMatch", 403)
