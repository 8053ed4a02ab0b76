"""Fixtures of the boto3 and AWS CLI suites. The Node test (test/clients/python-clients.test.ts)
starts Zonal and passes it in the environment:

ZONAL_ENDPOINT      e.g. http://127.0.0.1:PORT (path style) or https://localhost:PORT
ZONAL_ROOT_KEY      access key id of the root
ZONAL_ROOT_SECRET   its secret
ZONAL_CA_BUNDLE     the self-signed certificate, for HTTPS endpoints
"""
import itertools
import os
import socket
import uuid

import boto3
import pytest
from botocore.config import Config

_getaddrinfo = socket.getaddrinfo


def _loopback_getaddrinfo(host, *args, **kwargs):
    # `*.localhost` (virtual-hosted bucket names) resolves to the loopback in this process.
    if isinstance(host, str) and (host == "localhost" or host.endswith(".localhost")):
        host = "127.0.0.1"
    return _getaddrinfo(host, *args, **kwargs)


socket.getaddrinfo = _loopback_getaddrinfo

ENDPOINT = os.environ["ZONAL_ENDPOINT"]
REGION = "us-east-1"
ROOT = {
    "aws_access_key_id": os.environ["ZONAL_ROOT_KEY"],
    "aws_secret_access_key": os.environ["ZONAL_ROOT_SECRET"],
}
CA_BUNDLE = os.environ.get("ZONAL_CA_BUNDLE") or None
ZONE = "use1-az4"
_counter = itertools.count()


def new_bucket_name(prefix="py"):
    return f"{prefix}{os.getpid()}-{next(_counter)}-{uuid.uuid4().hex[:6]}--{ZONE}--x-s3"


def client(service="s3", keys=None, **config):
    """A default client of the README recipe: endpoint_url, region, keys, the CA bundle."""
    return boto3.client(
        service,
        endpoint_url=ENDPOINT,
        region_name=REGION,
        verify=CA_BUNDLE if CA_BUNDLE else True,
        config=Config(**config) if config else None,
        **(keys or ROOT),
    )


@pytest.fixture(scope="session")
def s3():
    return client()


@pytest.fixture()
def bucket(s3):
    name = new_bucket_name()
    s3.create_bucket(Bucket=name)
    yield name
    # Empty and delete it: whatever a test left.
    paginator = s3.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=name):
        keys = [{"Key": o["Key"]} for o in page.get("Contents", [])]
        if keys:
            s3.delete_objects(Bucket=name, Delete={"Objects": keys})
    for upload in s3.list_multipart_uploads(Bucket=name).get("Uploads", []):
        s3.abort_multipart_upload(Bucket=name, Key=upload["Key"], UploadId=upload["UploadId"])
    s3.delete_bucket(Bucket=name)
