"""bootstrap-backend against a real moto server on loopback."""

from __future__ import annotations

import boto3
import pytest
from hypothesis import given
from hypothesis import strategies as st

from goldpath.errors import InvalidInputError
from goldpath.platform import BucketOwnedElsewhereError, InvalidRegionError, bootstrap_backend
from goldpath.platform._backend import validate_backend_names


def test_bootstrap_creates_a_hardened_bucket_and_lock_table(aws: str) -> None:
    report = bootstrap_backend(bucket="gp-state-1", table="gp-lock", region="us-east-2")
    assert report.bucket_created and report.table_created
    s3 = boto3.client("s3", region_name="us-east-2")
    assert s3.get_bucket_versioning(Bucket="gp-state-1")["Status"] == "Enabled"
    rules = s3.get_bucket_encryption(Bucket="gp-state-1")["ServerSideEncryptionConfiguration"]
    assert rules["Rules"][0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    block = s3.get_public_access_block(Bucket="gp-state-1")["PublicAccessBlockConfiguration"]
    assert all(block.values()) and len(block) == 4
    assert report.tls_only
    table = boto3.client("dynamodb", region_name="us-east-2").describe_table(TableName="gp-lock")
    assert table["Table"]["KeySchema"] == [{"AttributeName": "LockID", "KeyType": "HASH"}]


def test_bootstrap_twice_in_a_row_succeeds_and_changes_nothing(aws: str) -> None:
    first = bootstrap_backend(bucket="gp-state-2", table="gp-lock", region="us-east-2")
    second = bootstrap_backend(bucket="gp-state-2", table="gp-lock", region="us-east-2")
    assert first.bucket_created and first.table_created
    assert not second.bucket_created and not second.table_created
    assert second.versioning == "Enabled"
    assert second.public_access_blocked and second.tls_only
    assert second.as_dict() | {"bucket_created": True, "table_created": True} == first.as_dict()


def test_bootstrap_in_us_east_1_twice_reports_the_bucket_as_existing(aws: str) -> None:
    first = bootstrap_backend(bucket="gp-state-3", table="gp-lock", region="us-east-1")
    second = bootstrap_backend(bucket="gp-state-3", table="gp-lock", region="us-east-1")
    assert first.region == "us-east-1" and first.versioning == "Enabled"
    assert first.bucket_created and not second.bucket_created


def test_bucket_owned_by_another_account_is_refused_clearly(aws: str) -> None:
    sts = boto3.client("sts", region_name="us-east-2")
    creds = sts.assume_role(
        RoleArn="arn:aws:iam::999999999999:role/other", RoleSessionName="other"
    )["Credentials"]
    other = boto3.client(
        "s3",
        region_name="us-east-2",
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )
    other.create_bucket(
        Bucket="gp-taken", CreateBucketConfiguration={"LocationConstraint": "us-east-2"}
    )
    with pytest.raises(BucketOwnedElsewhereError, match="another AWS account"):
        bootstrap_backend(bucket="gp-taken", table="gp-lock", region="us-east-2")


def test_existing_table_with_a_wrong_key_is_refused(aws: str) -> None:
    boto3.client("dynamodb", region_name="us-east-2").create_table(
        TableName="gp-wrong",
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    with pytest.raises(Exception, match="LockID"):
        bootstrap_backend(bucket="gp-state-4", table="gp-wrong", region="us-east-2")


def test_bad_region_is_refused_naming_the_field() -> None:
    with pytest.raises(InvalidRegionError) as info:
        validate_backend_names(bucket="gp-state", table="gp-lock", region="us-middle-9")
    assert info.value.errors[0].field == "region"


def test_bad_bucket_and_table_names_are_all_reported() -> None:
    with pytest.raises(InvalidInputError) as info:
        validate_backend_names(bucket="Bad_Bucket", table="x", region="us-east-2")
    assert {e.field for e in info.value.errors} == {"bucket", "table"}


@given(st.from_regex(r"[a-z0-9][a-z0-9-]{1,40}[a-z0-9]", fullmatch=True))
def test_every_dns_style_bucket_name_is_accepted(bucket: str) -> None:
    validate_backend_names(bucket=bucket, table="gp-lock", region="us-east-2")


@given(st.text(min_size=1, max_size=70).filter(lambda s: any(c.isupper() or c in "_ /" for c in s)))
def test_bucket_names_with_uppercase_underscore_space_or_slash_are_refused(bucket: str) -> None:
    with pytest.raises(InvalidInputError) as info:
        validate_backend_names(bucket=bucket, table="gp-lock", region="us-east-2")
    assert info.value.errors[0].field == "bucket"


def test_every_bad_option_is_reported_at_once() -> None:
    with pytest.raises(InvalidRegionError) as info:
        validate_backend_names(bucket="Bad_Bucket", table="x", region="us-east-9")
    assert [e.field for e in info.value.errors] == ["bucket", "table", "region"]
