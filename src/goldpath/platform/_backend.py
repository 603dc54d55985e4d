"""``bootstrap-backend``: the S3 state bucket and DynamoDB lock table Terraform needs."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from typing import Any

from goldpath.errors import FieldError, InvalidInputError
from goldpath.platform.errors import BucketOwnedElsewhereError, InvalidRegionError
from goldpath.providers._aws import (
    AwsAccessDeniedError,
    AwsConflictError,
    AwsError,
    AwsNotFoundError,
    aws_client,
    aws_errors,
    known_regions,
)

__all__ = ["BackendReport", "bootstrap_backend", "validate_backend_names"]

_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_TABLE = re.compile(r"^[A-Za-z0-9_.-]{3,255}$")
_IP = re.compile(r"^\d+\.\d+\.\d+\.\d+$")


@dataclass(frozen=True, slots=True)
class BackendReport:
    """What the bootstrap found or made, read back from AWS after the calls."""

    bucket: str
    table: str
    region: str
    bucket_created: bool
    table_created: bool
    versioning: str
    encryption: str
    public_access_blocked: bool
    tls_only: bool
    lock_key: str

    def as_dict(self) -> dict[str, Any]:
        """A JSON-friendly form of the report."""
        return {
            "bucket": self.bucket,
            "table": self.table,
            "region": self.region,
            "bucket_created": self.bucket_created,
            "table_created": self.table_created,
            "versioning": self.versioning,
            "encryption": self.encryption,
            "public_access_blocked": self.public_access_blocked,
            "tls_only": self.tls_only,
            "lock_key": self.lock_key,
        }


def validate_backend_names(*, bucket: str, table: str, region: str) -> None:
    """Refuse a bad bucket name, table name or region, naming each field and its rule."""
    problems: list[FieldError] = []
    if not _BUCKET.match(bucket) or ".." in bucket or _IP.match(bucket):
        problems.append(
            FieldError(
                field="bucket",
                rule="s3-bucket-name",
                message=f"{bucket!r} must be 3-63 lowercase letters, digits, '.' or '-', "
                "starting and ending with a letter or digit, and not an IP address",
            )
        )
    if not _TABLE.match(table):
        problems.append(
            FieldError(
                field="table",
                rule="dynamodb-table-name",
                message=f"{table!r} must be 3-255 letters, digits, '_', '.' or '-'",
            )
        )
    region_known = region in known_regions()
    if not region_known:
        problems.append(
            FieldError(
                field="region",
                rule="aws-region",
                message=f"{region!r} is not an AWS region (for example us-east-2)",
            )
        )
    if problems:
        error = InvalidInputError if region_known else InvalidRegionError
        raise error("the state backend options are not valid", errors=problems, region=region)


def _tls_only_policy(bucket: str) -> str:
    arn = f"arn:aws:s3:::{bucket}"
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "DenyInsecureTransport",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:*",
                    "Resource": [arn, f"{arn}/*"],
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                }
            ],
        }
    )


def _ensure_bucket(s3: Any, bucket: str, region: str) -> bool:
    # HeadBucket first: us-east-1 answers CreateBucket with 200 for a bucket you already own.
    try:
        with aws_errors("s3:HeadBucket", bucket=bucket):
            s3.head_bucket(Bucket=bucket)
        # HeadBucket can succeed on someone else's bucket (a permissive bucket policy);
        # only our own buckets are listed by ListBuckets.
        with aws_errors("s3:ListBuckets"):
            owned = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
        if bucket not in owned:
            raise _owned_elsewhere(bucket)
        return False
    except AwsNotFoundError:
        pass
    except AwsAccessDeniedError as exc:
        raise _owned_elsewhere(bucket) from exc
    params: dict[str, Any] = {"Bucket": bucket}
    if region != "us-east-1":
        params["CreateBucketConfiguration"] = {"LocationConstraint": region}
    try:
        with aws_errors("s3:CreateBucket", bucket=bucket):
            s3.create_bucket(**params)
    except AwsError as exc:
        code = exc.context.get("code")
        if code == "BucketAlreadyOwnedByYou":
            return False
        if code == "BucketAlreadyExists":
            raise _owned_elsewhere(bucket) from exc
        raise
    return True


def _owned_elsewhere(bucket: str) -> BucketOwnedElsewhereError:
    return BucketOwnedElsewhereError(
        f"bucket {bucket!r} already exists in another AWS account; S3 names are global, "
        "choose another --bucket (e.g. add your account ID)",
        bucket=bucket,
    )


def _ensure_table(dynamodb: Any, table: str) -> bool:
    created = True
    try:
        with aws_errors("dynamodb:CreateTable", table=table):
            dynamodb.create_table(
                TableName=table,
                AttributeDefinitions=[{"AttributeName": "LockID", "AttributeType": "S"}],
                KeySchema=[{"AttributeName": "LockID", "KeyType": "HASH"}],
                BillingMode="PAY_PER_REQUEST",
                SSESpecification={"Enabled": True},
                Tags=[{"Key": "managed-by", "Value": "goldpath"}],
            )
    except AwsConflictError:
        created = False  # it exists; _lock_key checks that its key is LockID
    with aws_errors("dynamodb:DescribeTable", table=table):
        dynamodb.get_waiter("table_exists").wait(
            TableName=table, WaiterConfig={"Delay": 2, "MaxAttempts": 60}
        )
    return created


def _lock_key(dynamodb: Any, table: str) -> str:
    with aws_errors("dynamodb:DescribeTable", table=table):
        description = dynamodb.describe_table(TableName=table)["Table"]
    hash_keys = [k["AttributeName"] for k in description["KeySchema"] if k["KeyType"] == "HASH"]
    ranges = [k for k in description["KeySchema"] if k["KeyType"] == "RANGE"]
    if hash_keys != ["LockID"] or ranges:
        raise AwsConflictError(
            f"table {table!r} exists but its key is "
            f"{hash_keys + [r['AttributeName'] for r in ranges]}; Terraform's lock table needs "
            "exactly the hash key LockID (choose another --table)",
            table=table,
        )
    return "LockID"


def bootstrap_backend(
    *, bucket: str, table: str, region: str, endpoint_url: str | None = None
) -> BackendReport:
    """Create or complete the state bucket and lock table; safe to run again and again."""
    validate_backend_names(bucket=bucket, table=table, region=region)
    s3 = aws_client("s3", region=region, endpoint_url=endpoint_url)
    dynamodb = aws_client("dynamodb", region=region, endpoint_url=endpoint_url)

    bucket_created = _ensure_bucket(s3, bucket, region)
    with aws_errors("s3:PutBucketVersioning", bucket=bucket):
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    with aws_errors("s3:PutBucketEncryption", bucket=bucket):
        s3.put_bucket_encryption(
            Bucket=bucket,
            ServerSideEncryptionConfiguration={
                "Rules": [
                    {
                        "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"},
                        "BucketKeyEnabled": True,
                    }
                ]
            },
        )
    with aws_errors("s3:PutPublicAccessBlock", bucket=bucket):
        s3.put_public_access_block(
            Bucket=bucket,
            PublicAccessBlockConfiguration={
                "BlockPublicAcls": True,
                "IgnorePublicAcls": True,
                "BlockPublicPolicy": True,
                "RestrictPublicBuckets": True,
            },
        )
    with aws_errors("s3:PutBucketPolicy", bucket=bucket):
        s3.put_bucket_policy(Bucket=bucket, Policy=_tls_only_policy(bucket))
    with aws_errors("s3:PutBucketTagging", bucket=bucket):
        s3.put_bucket_tagging(
            Bucket=bucket, Tagging={"TagSet": [{"Key": "managed-by", "Value": "goldpath"}]}
        )
    table_created = _ensure_table(dynamodb, table)

    report = _read_back(s3, dynamodb, bucket=bucket, table=table, region=region)
    return replace(report, bucket_created=bucket_created, table_created=table_created)


def _read_back(s3: Any, dynamodb: Any, *, bucket: str, table: str, region: str) -> BackendReport:
    with aws_errors("s3:GetBucketVersioning", bucket=bucket):
        versioning = str(s3.get_bucket_versioning(Bucket=bucket).get("Status", "Disabled"))
    with aws_errors("s3:GetBucketEncryption", bucket=bucket):
        rules = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]
    encryption = str(rules["Rules"][0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"])
    with aws_errors("s3:GetPublicAccessBlock", bucket=bucket):
        block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    with aws_errors("s3:GetBucketPolicy", bucket=bucket):
        policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    tls_only = any(
        statement.get("Effect") == "Deny"
        and statement.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport") == "false"
        for statement in policy.get("Statement", [])
    )
    return BackendReport(
        bucket=bucket,
        table=table,
        region=region,
        bucket_created=False,
        table_created=False,
        versioning=versioning,
        encryption=encryption,
        public_access_blocked=all(bool(v) for v in block.values()) and len(block) == 4,
        tls_only=tls_only,
        lock_key=_lock_key(dynamodb, table),
    )
