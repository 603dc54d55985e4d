"""``doctor``: the four deployment phases as gates, checked in dependency order."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx

from goldpath.errors import GoldpathError
from goldpath.platform._runner import CommandRunner
from goldpath.platform.errors import ToolMissingError
from goldpath.providers import AwsClients
from goldpath.providers._aws import AwsNotFoundError, aws_errors

__all__ = [
    "CheckOutcome",
    "Cluster",
    "DohResolver",
    "DoctorConfig",
    "DoctorReport",
    "KubectlCluster",
    "PhaseOutcome",
    "Resolver",
    "GateFailed",
    "run_doctor",
    "run_phases",
    "validator_checks",
]

PHASES = (
    (1, "infrastructure"),
    (2, "DNS delegation and certificate"),
    (3, "platform services"),
    (4, "portal"),
)
PLATFORM_KEYS = (
    "GITHUB_CLIENT_ID",
    "GITHUB_CLIENT_SECRET",
    "GITLAB_TOKEN",
    "GITOPS_DEPLOY_TOKEN",
    "DATABASE_URL",
    "SESSION_SECRET",
)
LOKI_CLAIM = "storage-loki-0"
"""The claim the Loki chart's single-binary StatefulSet makes for its first pod (its
volume claim template is named ``storage``)."""


class GateFailed(Exception):
    """A check did not pass; carries what was found and what to do."""

    def __init__(self, detail: str, remedy: str) -> None:
        super().__init__(detail)
        self.detail = detail
        self.remedy = remedy


def _all_ready(
    kind: str, namespace: str, name: str, status: tuple[int, int] | None, remedy: str,
    *, not_ready: str | None = None,
) -> tuple[int, int]:
    """(ready, desired) of a workload that exists and has every pod it wants ready; else
    GateFailed with ``remedy`` (``not_ready`` instead, when given, for one that exists)."""
    if status is None:
        raise GateFailed(f"{kind} {namespace}/{name} does not exist", remedy)
    ready, desired = status
    if desired == 0 or ready < desired:
        raise GateFailed(f"{kind} {namespace}/{name} has {ready}/{desired} ready",
                         not_ready or remedy)
    return ready, desired


class Cluster(Protocol):
    """What doctor asks the Kubernetes cluster."""

    def deployment_status(self, namespace: str, name: str) -> tuple[int, int] | None:
        """(ready replicas, desired replicas), or None when the Deployment does not exist."""
        ...

    def daemonset_status(self, namespace: str, name: str) -> tuple[int, int] | None:
        """(ready pods, pods it should run), or None when the DaemonSet does not exist."""
        ...

    def claim_phase(self, namespace: str, name: str) -> str | None:
        """A PersistentVolumeClaim's phase (``Bound``, ``Pending``, ``Lost``), or None
        when it does not exist."""
        ...

    def has_crd(self, name: str) -> bool:
        """Whether a CustomResourceDefinition is installed."""
        ...

    def is_ready(self, kind: str, name: str, namespace: str | None = None) -> bool | None:
        """Whether an object's Ready condition is True; None when the object does not exist."""
        ...


class Resolver(Protocol):
    """Public DNS, as the rest of the internet sees it."""

    def nameservers(self, domain: str) -> list[str]:
        """The NS records public resolvers return for ``domain`` (empty when none)."""
        ...


class KubectlCluster:
    """The cluster through ``kubectl get -o json`` (current context)."""

    def __init__(self, runner: CommandRunner) -> None:
        self._runner = runner

    def _get(self, *args: str) -> dict[str, Any] | None:
        result = self._runner.run(["kubectl", "get", *args, "-o", "json"], timeout=60)
        if not result.ok:
            if "NotFound" in result.stderr or "not found" in result.stderr:
                return None
            raise GateFailed(
                "kubectl cannot read the cluster: "
                + (result.stderr.strip().splitlines() or [f"exit code {result.returncode}"])[-1],
                "check `kubectl config current-context` points at the platform cluster "
                "(aws eks update-kubeconfig --name <cluster> --region <region>)",
            )
        document: dict[str, Any] = json.loads(result.stdout)
        return document

    def deployment_status(self, namespace: str, name: str) -> tuple[int, int] | None:
        """(ready replicas, desired replicas), or None when the Deployment does not exist."""
        document = self._get("deployment", name, "-n", namespace)
        if document is None:
            return None
        desired = int(document.get("spec", {}).get("replicas", 1))
        ready = int(document.get("status", {}).get("readyReplicas", 0) or 0)
        return ready, desired

    def daemonset_status(self, namespace: str, name: str) -> tuple[int, int] | None:
        """(ready pods, pods it should run), or None when the DaemonSet does not exist."""
        document = self._get("daemonset", name, "-n", namespace)
        if document is None:
            return None
        status = document.get("status", {})
        return int(status.get("numberReady", 0) or 0), int(
            status.get("desiredNumberScheduled", 0) or 0)

    def claim_phase(self, namespace: str, name: str) -> str | None:
        """A PersistentVolumeClaim's phase, or None when it does not exist."""
        document = self._get("pvc", name, "-n", namespace)
        if document is None:
            return None
        return str(document.get("status", {}).get("phase") or "Pending")

    def has_crd(self, name: str) -> bool:
        """Whether a CustomResourceDefinition is installed."""
        return self._get("crd", name) is not None

    def is_ready(self, kind: str, name: str, namespace: str | None = None) -> bool | None:
        """Whether an object's Ready condition is True; None when it does not exist."""
        args = [kind, name] + (["-n", namespace] if namespace else [])
        document = self._get(*args)
        if document is None:
            return None
        conditions = document.get("status", {}).get("conditions", [])
        return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)


class DohResolver:
    """NS lookups over DNS-over-HTTPS (JSON API), independent of the local resolver's cache."""

    def __init__(
        self,
        *,
        url: str = "https://dns.google/resolve",
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._url = url
        self._transport = transport

    def nameservers(self, domain: str) -> list[str]:
        """The NS records public resolvers return for ``domain`` (empty when none)."""
        try:
            with httpx.Client(transport=self._transport, timeout=10) as client:
                response = client.get(self._url, params={"name": domain, "type": "NS"})
                response.raise_for_status()
        except httpx.HTTPError as exc:
            raise GateFailed(
                f"public DNS could not be asked about {domain} ({type(exc).__name__})",
                "check this machine's internet access and run doctor again",
            ) from exc
        answers = response.json().get("Answer", [])
        return [str(a["data"]) for a in answers if a.get("type") == 2]


@dataclass(frozen=True, slots=True)
class DoctorConfig:
    """What the platform should look like."""

    region: str
    state_bucket: str
    lock_table: str
    cluster_name: str
    domain: str
    ecr_repository: str = "goldpath"
    platform_secret: str = "goldpath/platform"
    required_keys: tuple[str, ...] = PLATFORM_KEYS
    portal_url: str | None = None
    token: str | None = field(default=None, repr=False)
    endpoint_url: str | None = None

    @property
    def portal(self) -> str:
        """The portal's base URL (https://backstage.<domain> unless given)."""
        return (self.portal_url or f"https://backstage.{self.domain}").rstrip("/")


@dataclass(frozen=True, slots=True)
class CheckOutcome:
    """One gate's result."""

    name: str
    ok: bool
    detail: str
    remedy: str = ""


@dataclass(frozen=True, slots=True)
class PhaseOutcome:
    """One phase: its checks, or None when it was not reached."""

    number: int
    title: str
    checks: tuple[CheckOutcome, ...] | None

    @property
    def ok(self) -> bool:
        """True when every check of the phase passed."""
        return self.checks is not None and all(c.ok for c in self.checks)


@dataclass(frozen=True, slots=True)
class DoctorReport:
    """All phases, in order (the first failed phase stops the run), and this machine's
    own checks, which never stop the phases."""

    phases: tuple[PhaseOutcome, ...]
    machine: tuple[CheckOutcome, ...] = ()

    @property
    def ok(self) -> bool:
        """True when every phase and every check of this machine passed."""
        return all(p.ok for p in self.phases) and all(c.ok for c in self.machine)

    @property
    def failed_phase(self) -> int | None:
        """The number of the phase that failed, if any."""
        for phase in self.phases:
            if phase.checks is not None and not phase.ok:
                return phase.number
        return None

    def as_dict(self) -> dict[str, Any]:
        """A JSON-friendly form of the report."""
        return {
            "ok": self.ok,
            "failed_phase": self.failed_phase,
            "machine": [
                {"name": c.name, "ok": c.ok, "detail": c.detail, "remedy": c.remedy}
                for c in self.machine
            ],
            "phases": [
                {
                    "number": p.number,
                    "title": p.title,
                    "checked": p.checks is not None,
                    "checks": [
                        {"name": c.name, "ok": c.ok, "detail": c.detail, "remedy": c.remedy}
                        for c in p.checks or ()
                    ],
                }
                for p in self.phases
            ],
        }


Check = tuple[str, Callable[[], str]]


class _Gates:
    def __init__(
        self,
        config: DoctorConfig,
        *,
        cluster: Cluster,
        resolver: Resolver,
        portal_transport: httpx.BaseTransport | None,
    ) -> None:
        self.c = config
        self.cluster = cluster
        self.resolver = resolver
        self.portal_transport = portal_transport
        self._aws = AwsClients(region=config.region, endpoint_url=config.endpoint_url)

    def aws(self, service: str) -> Any:
        return self._aws.client(service)

    # Phase 1 -----------------------------------------------------------------
    def state_backend(self) -> str:
        bootstrap = (
            f"run `goldpath platform bootstrap-backend --bucket {self.c.state_bucket} "
            f"--table {self.c.lock_table} --region {self.c.region}`"
        )
        s3 = self.aws("s3")
        try:
            with aws_errors("s3:HeadBucket", bucket=self.c.state_bucket):
                s3.head_bucket(Bucket=self.c.state_bucket)
        except AwsNotFoundError as exc:
            raise GateFailed(
                f"state bucket {self.c.state_bucket} does not exist", bootstrap
            ) from exc
        with aws_errors("s3:GetBucketVersioning", bucket=self.c.state_bucket):
            versioning = s3.get_bucket_versioning(Bucket=self.c.state_bucket).get("Status")
        if versioning != "Enabled":
            raise GateFailed(f"state bucket {self.c.state_bucket} has no versioning", bootstrap)
        try:
            with aws_errors("dynamodb:DescribeTable", table=self.c.lock_table):
                table = self.aws("dynamodb").describe_table(TableName=self.c.lock_table)["Table"]
        except AwsNotFoundError as exc:
            raise GateFailed(f"lock table {self.c.lock_table} does not exist", bootstrap) from exc
        if [k["AttributeName"] for k in table["KeySchema"]] != ["LockID"]:
            raise GateFailed(f"lock table {self.c.lock_table} is not keyed by LockID", bootstrap)
        return f"s3://{self.c.state_bucket} (versioned) and {self.c.lock_table} (LockID)"

    def eks_cluster(self) -> str:
        apply = (
            "run `terraform apply` in infra/terraform/envs/poc (creating EKS takes 15-20 min), "
            "or check --cluster and --region"
        )
        try:
            with aws_errors("eks:DescribeCluster", cluster=self.c.cluster_name):
                cluster = self.aws("eks").describe_cluster(name=self.c.cluster_name)["cluster"]
        except AwsNotFoundError as exc:
            raise GateFailed(
                f"EKS cluster {self.c.cluster_name} does not exist in {self.c.region}", apply
            ) from exc
        if cluster["status"] != "ACTIVE":
            raise GateFailed(
                f"EKS cluster {self.c.cluster_name} is {cluster['status']}, not ACTIVE",
                "wait until it is ACTIVE (15-20 min after creation) and run doctor again",
            )
        return f"{self.c.cluster_name} is ACTIVE (Kubernetes {cluster.get('version', '?')})"

    def ecr_repository(self) -> str:
        try:
            with aws_errors("ecr:DescribeRepositories", repository=self.c.ecr_repository):
                [repo] = self.aws("ecr").describe_repositories(
                    repositoryNames=[self.c.ecr_repository]
                )["repositories"]
        except AwsNotFoundError as exc:
            raise GateFailed(
                f"ECR repository {self.c.ecr_repository} does not exist",
                "run `terraform apply` in infra/terraform/envs/poc (module ecr)",
            ) from exc
        return str(repo["repositoryUri"])

    # Phase 2 -----------------------------------------------------------------
    def _zone(self) -> dict[str, Any]:
        name = self.c.domain.rstrip(".") + "."
        with aws_errors("route53:ListHostedZonesByName", domain=self.c.domain):
            zones = self.aws("route53").list_hosted_zones_by_name(DNSName=name)["HostedZones"]
        public = [
            z for z in zones if z["Name"] == name and not z.get("Config", {}).get("PrivateZone")
        ]
        if not public:
            raise GateFailed(
                f"no public hosted zone {self.c.domain}",
                "run `terraform apply` with create_zone = true, or create the zone once and "
                "keep create_zone = false",
            )
        if len(public) > 1:
            ids = ", ".join(z["Id"].rsplit("/", 1)[-1] for z in public)
            raise GateFailed(
                f"{len(public)} public hosted zones are named {self.c.domain} ({ids})",
                "keep the zone your registrar delegates to and delete the others; records in a "
                "duplicate zone never resolve",
            )
        zone: dict[str, Any] = public[0]
        return zone

    def delegation(self) -> str:
        zone = self._zone()
        with aws_errors("route53:GetHostedZone", domain=self.c.domain):
            delegation = self.aws("route53").get_hosted_zone(Id=zone["Id"])["DelegationSet"]
        expected = {n.lower().rstrip(".") for n in delegation["NameServers"]}
        public = {n.lower().rstrip(".") for n in self.resolver.nameservers(self.c.domain)}
        if public != expected:
            raise GateFailed(
                f"public DNS returns {sorted(public) or 'no NS records'} for {self.c.domain}, "
                f"the zone expects {sorted(expected)}",
                f"set the NS records of {self.c.domain} at the registrar or parent zone to "
                f"{', '.join(sorted(expected))}; delegation can take up to 48 h to propagate",
            )
        return f"{self.c.domain} is delegated to its Route53 zone"

    def certificate(self) -> str:
        wildcard = f"*.{self.c.domain}"
        acm = self.aws("acm")
        with aws_errors("acm:ListCertificates"):
            summaries = acm.list_certificates()["CertificateSummaryList"]
        matching = [s for s in summaries if s["DomainName"] == wildcard]
        if not matching:
            raise GateFailed(
                f"no ACM certificate for {wildcard} in {self.c.region}",
                "run `terraform apply` in infra/terraform/envs/poc (module acm)",
            )
        statuses = []
        for summary in matching:
            with aws_errors("acm:DescribeCertificate"):
                detail = acm.describe_certificate(CertificateArn=summary["CertificateArn"])
            status = detail["Certificate"]["Status"]
            if status == "ISSUED":
                return f"{wildcard} is ISSUED"
            statuses.append(status)
        raise GateFailed(
            f"the certificate for {wildcard} is {', '.join(statuses)}",
            "ACM validates through the DNS records in the zone, so it issues only after the "
            "delegation check passes (usually minutes after DNS propagates)",
        )

    # Phase 3 -----------------------------------------------------------------
    def _deployment_ready(self, namespace: str, name: str, remedy: str) -> str:
        status = self.cluster.deployment_status(namespace, name)
        ready, desired = _all_ready("deployment", namespace, name, status, remedy)
        return f"{namespace}/{name} {ready}/{desired} ready"

    def argocd(self) -> str:
        remedy = "run `terraform apply` (module argocd); its CRDs are applied server-side first"
        if not self.cluster.has_crd("applications.argoproj.io"):
            raise GateFailed("the Argo CD Application CRD is not installed", remedy)
        return self._deployment_ready("argocd", "argo-cd-argocd-server", remedy)

    def external_secrets(self) -> str:
        remedy = "run `terraform apply` (module external-secrets) and check its IRSA role"
        if not self.cluster.has_crd("externalsecrets.external-secrets.io"):
            raise GateFailed("the ExternalSecret CRD is not installed", remedy)
        self._deployment_ready("external-secrets", "external-secrets", remedy)
        ready = self.cluster.is_ready("clustersecretstore", "aws-secrets-manager")
        if ready is None:
            raise GateFailed("ClusterSecretStore aws-secrets-manager does not exist", remedy)
        if not ready:
            raise GateFailed(
                "ClusterSecretStore aws-secrets-manager is not Ready",
                "`kubectl describe clustersecretstore aws-secrets-manager`: usually the IRSA "
                "role or the region",
            )
        return "operator running, ClusterSecretStore aws-secrets-manager Ready"

    def monitoring(self) -> str:
        remedy = (
            "run `terraform apply` (module observability): kube-prometheus-stack installs the "
            "Prometheus Operator and its CRDs"
        )
        for crd in (
            "servicemonitors.monitoring.coreos.com",
            "prometheusrules.monitoring.coreos.com",
        ):
            if not self.cluster.has_crd(crd):
                # Every app's ServiceMonitor and PrometheusRule would fail to sync.
                raise GateFailed(f"the CRD {crd} is not installed", remedy)
        return self._deployment_ready(
            "monitoring", "kube-prometheus-stack-operator", remedy
        ) + ", ServiceMonitor and PrometheusRule CRDs installed"

    def logs(self) -> str:
        """Alloy runs on every node and Loki's volume is bound: app logs are shipped and
        outlive the Loki pod."""
        namespace = "monitoring"
        shipper = "run `terraform apply` (module observability): it installs Grafana Alloy"
        ready, desired = _all_ready(
            "daemonset", namespace, "alloy", self.cluster.daemonset_status(namespace, "alloy"),
            shipper,
            not_ready=f"`kubectl -n {namespace} describe daemonset alloy`: logs of the nodes "
            "without a ready Alloy pod are not shipped",
        )
        phase = self.cluster.claim_phase(namespace, LOKI_CLAIM)
        volume = (
            "run `terraform apply` (modules ebs-csi and observability); a claim that stays "
            f"Pending usually means the EBS CSI add-on is not running or cannot assume its "
            f"IAM role: `kubectl -n {namespace} describe pvc {LOKI_CLAIM}`"
        )
        if phase is None:
            raise GateFailed(f"Loki's volume claim {namespace}/{LOKI_CLAIM} does not exist",
                             volume)
        if phase != "Bound":
            raise GateFailed(f"Loki's volume claim {namespace}/{LOKI_CLAIM} is {phase}", volume)
        return f"alloy {ready}/{desired} nodes, Loki's volume {LOKI_CLAIM} Bound"

    def secrets_present(self) -> str:
        put = (
            f"`aws secretsmanager put-secret-value --secret-id {self.c.platform_secret} "
            "--secret-string file://platform.json` with every key as a JSON object"
        )
        try:
            with aws_errors("secretsmanager:GetSecretValue", secret=self.c.platform_secret):
                value = self.aws("secretsmanager").get_secret_value(SecretId=self.c.platform_secret)
        except AwsNotFoundError as exc:
            raise GateFailed(
                f"secret {self.c.platform_secret} does not exist or has no value yet", put
            ) from exc
        try:
            data = json.loads(value.get("SecretString") or "{}")
        except json.JSONDecodeError:
            data = None
        if not isinstance(data, dict):
            raise GateFailed(f"secret {self.c.platform_secret} is not a JSON object", put)
        # Only key names are reported; values never leave this function.
        missing = [k for k in self.c.required_keys if not str(data.get(k) or "").strip()]
        if missing:
            raise GateFailed(f"secret {self.c.platform_secret} lacks {', '.join(missing)}", put)
        return f"{self.c.platform_secret} holds {len(self.c.required_keys)} keys"

    def wildcard_record(self) -> str:
        zone = self._zone()
        name = f"*.{self.c.domain.rstrip('.')}."
        with aws_errors("route53:ListResourceRecordSets", domain=self.c.domain):
            records = self.aws("route53").list_resource_record_sets(
                HostedZoneId=zone["Id"], StartRecordName=name, StartRecordType="A", MaxItems="5"
            )["ResourceRecordSets"]
        wanted = {name, "\\052" + name[1:]}  # Route53 returns "*" escaped as \052
        matches = [r for r in records if r["Name"] in wanted and r["Type"] == "A"]
        if len(matches) != 1 or "AliasTarget" not in matches[0]:
            raise GateFailed(
                f"*.{self.c.domain} is not one alias record to the shared ALB",
                "set alb_dns_name and alb_zone_id in terraform.tfvars (from `kubectl get ingress "
                "-A`) and apply; the record is overwritten, never duplicated",
            )
        return f"*.{self.c.domain} -> {matches[0]['AliasTarget']['DNSName']}"

    # Phase 4 -----------------------------------------------------------------
    def _client(self) -> httpx.Client:
        return httpx.Client(
            base_url=self.c.portal,
            transport=self.portal_transport,
            timeout=15,
            follow_redirects=False,
        )

    def portal_rollout(self) -> str:
        return self._deployment_ready(
            "goldpath",
            "goldpath",
            "run `goldpath platform deploy-portal --app-repo <url>`; if it exists, "
            "`kubectl describe pods -n goldpath`",
        )

    def portal_health(self) -> str:
        try:
            with self._client() as client:
                response = client.get("/healthz")
        except httpx.HTTPError as exc:
            raise GateFailed(
                f"{self.c.portal}/healthz did not answer ({type(exc).__name__})",
                "check the Ingress (`kubectl describe ingress goldpath -n goldpath`) and the "
                "wildcard record",
            ) from exc
        if response.status_code != 200:
            raise GateFailed(
                f"{self.c.portal}/healthz answered HTTP {response.status_code}",
                "`kubectl logs -n goldpath deployment/goldpath`",
            )
        return f"{self.c.portal}/healthz answers 200"

    def sign_in(self) -> str:
        remedy = (
            f"put GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET into {self.c.platform_secret}; the "
            f"OAuth app's callback URL must be {self.c.portal}/auth/github/callback"
        )
        with self._client() as client:
            response = client.get("/auth/github/login")
        location = response.headers.get("location", "")
        if response.status_code not in (302, 303, 307) or "github.com" not in location:
            raise GateFailed(
                f"GitHub sign-in is not configured (HTTP {response.status_code})", remedy
            )
        return "GitHub sign-in redirects to github.com"

    def smoke_create(self) -> str:
        if not self.c.token:
            raise GateFailed(
                "no API token to run a smoke Create with",
                "sign in, create a personal API token on your account page and pass --token "
                "(or GOLDPATH_DOCTOR_TOKEN)",
            )
        template = {
            "apiVersion": "scaffolder.backstage.io/v1beta3",
            "kind": "Template",
            "metadata": {"name": "goldpath-doctor-smoke", "title": "doctor smoke Create"},
            "spec": {
                "type": "service",
                "parameters": [],
                "steps": [
                    {
                        "id": "log",
                        "name": "Log",
                        "action": "debug:log",
                        "input": {"message": "goldpath doctor"},
                    }
                ],
            },
        }
        with self._client() as client:
            response = client.post(
                "/api/scaffolder/v2/dry-run",
                json={"template": template, "values": {}},
                headers={"Authorization": f"Bearer {self.c.token}"},
            )
        if response.status_code != 200:
            raise GateFailed(
                f"a dry-run Create answered HTTP {response.status_code}",
                "check the token, then `kubectl logs -n goldpath deployment/goldpath`",
            )
        return "a dry-run Create through the scaffolder API succeeded"

    def phases(self) -> list[tuple[int, str, Sequence[Check]]]:
        return [
            (
                1,
                PHASES[0][1],
                [
                    ("Terraform state backend", self.state_backend),
                    ("EKS cluster", self.eks_cluster),
                    ("ECR repository", self.ecr_repository),
                ],
            ),
            (
                2,
                PHASES[1][1],
                [("DNS delegation", self.delegation), ("ACM certificate", self.certificate)],
            ),
            (
                3,
                PHASES[2][1],
                [
                    ("Argo CD", self.argocd),
                    ("External Secrets", self.external_secrets),
                    ("platform secrets present", self.secrets_present),
                    ("monitoring stack", self.monitoring),
                    ("logs shipped and kept", self.logs),
                    ("shared wildcard record", self.wildcard_record),
                ],
            ),
            (
                4,
                PHASES[3][1],
                [
                    ("portal rollout", self.portal_rollout),
                    ("portal /healthz", self.portal_health),
                    ("sign-in configured", self.sign_in),
                    ("smoke Create", self.smoke_create),
                ],
            ),
        ]


def _run_check(check: Callable[[], str]) -> tuple[bool, str, str]:
    try:
        return True, check(), ""
    except GateFailed as failed:
        return False, failed.detail, failed.remedy
    except ToolMissingError as exc:
        return False, exc.message, "install it, then run doctor again"
    except GoldpathError as exc:  # an AWS call refused: report it as this gate's failure
        return False, exc.message, "check the AWS credentials and region in use"


def run_phases(
    phases: Sequence[tuple[int, str, Sequence[Check]]],
    *,
    on_check: Callable[[int, CheckOutcome], None] | None = None,
) -> DoctorReport:
    """Run every check of each phase in order; phases after the first failed one are skipped."""
    outcomes: list[PhaseOutcome] = []
    stopped = False
    for number, title, checks in phases:
        if stopped:
            outcomes.append(PhaseOutcome(number=number, title=title, checks=None))
            continue
        results = []
        for name, check in checks:
            ok, detail, remedy = _run_check(check)
            outcome = CheckOutcome(name=name, ok=ok, detail=detail, remedy=remedy)
            results.append(outcome)
            if on_check is not None:
                on_check(number, outcome)
        phase = PhaseOutcome(number=number, title=title, checks=tuple(results))
        outcomes.append(phase)
        stopped = not phase.ok
    return DoctorReport(phases=tuple(outcomes))


def run_doctor(
    config: DoctorConfig,
    *,
    cluster: Cluster,
    resolver: Resolver,
    portal_transport: httpx.BaseTransport | None = None,
    on_check: Callable[[int, CheckOutcome], None] | None = None,
) -> DoctorReport:
    """Check this machine's validators, then the four deployment phases in dependency
    order, stopping at the first failed phase."""
    gates = _Gates(config, cluster=cluster, resolver=resolver, portal_transport=portal_transport)
    report = run_phases(gates.phases(), on_check=on_check)
    return DoctorReport(phases=report.phases, machine=tuple(validator_checks()))


def validator_checks() -> list[CheckOutcome]:
    """Whether this machine has every program GitOps validation runs (promtool, kubectl).

    A Create, ``goldpath gitops set-image``/``promote``/``render-all`` and ``goldpath
    validate`` refuse to vouch for a GitOps tree without them.
    """
    from goldpath.gitops._tools import VALIDATORS

    outcomes = []
    for tool in VALIDATORS:
        path = tool.path()
        name = f"GitOps validator {tool.name}"
        if path is None:
            outcomes.append(CheckOutcome(
                name=name,
                ok=False,
                detail=f"{tool.name} is not installed: `{tool.check}` cannot run, so every "
                "Create and GitOps change fails validation on this machine",
                remedy=f"install it with {tool.install}",
            ))
        else:
            outcomes.append(CheckOutcome(name=name, ok=True, detail=f"{tool.check} ({path})"))
    return outcomes
