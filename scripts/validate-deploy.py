#!/usr/bin/env python3
"""Validates LPO's deployment files offline: no cluster, no kubectl, no Docker engine.

    LPO_PY_VENV=target/py-venv scripts/validate-deploy.py [--root DIR] [--kubernetes-version V]
                                                          [--compare-kubectl]

What it does, in order:
  1. Renders every kustomization under deploy/k8s (the base and each overlay) with its own
     implementation of the kustomize subset these files use: `resources` (files and folders),
     `namespace`, `images` and `patches` (strategic merge, with the merge keys and strategies
     of the pinned Kubernetes version's OpenAPI schema). Any other kustomization field is
     refused rather than ignored. No pip package ships kustomize itself: `kustomize` on PyPI
     is an unrelated Python reimplementation, and `pykustomize` is an unknown binding; neither
     is used. `--compare-kubectl` also renders with `kubectl kustomize` when kubectl is on
     PATH, and fails on any difference.
  2. Validates every rendered object with kubernetes-validate against one pinned Kubernetes
     version in strict mode (unknown fields are errors), then checks what schemas cannot see:
     selectors, ports, probes, volumes, $(VAR) references, the git-sync and lpo paths, the
     drain timing, Pod Security "restricted", and that every `lpo` command line uses flags
     that `lpo` has, read from crates/lpo-cli/src.
  3. Validates every Argo Workflows object in deploy/argo against hera's models of the Argo API
     (pydantic), and against the JSON schema of those models with unknown fields forbidden.
     hera's models ignore unknown fields (pydantic's default), so the pydantic pass alone
     would not catch them. It then checks template, step, parameter and artifact references,
     the `lpo` flags, and the shell syntax of the scripts (`bash -n`).
  4. Checks the Dockerfile against what README.md and .ci/run run (scripts/setup, cargo build
     --release --locked), and checks its stages, user, entrypoint, port and copied config.

It prints one line per validated object and exits 0; on any error it names the file and the
object, and exits 1. It exits 2 when it cannot run at all (no virtualenv, wrong package versions).
The virtualenv is $LPO_PY_VENV (default target/py-venv, made by scripts/py-env from
scripts/py-requirements-deploy.txt). The script re-executes itself with that venv's Python.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve()
REPO = SCRIPT.parent.parent
REQUIREMENTS = SCRIPT.parent / "py-requirements-deploy.txt"
DEFAULT_K8S_VERSION = "1.33.0"  # native sidecars GA; the files need >= 1.29 (see deploy/README.md)


def _cannot_run(message: str) -> None:
    """Exit 2: the validator cannot run at all (as opposed to 1: the files have errors)."""
    print(f"validate-deploy: {message}", file=sys.stderr)
    sys.exit(2)


def _enter_venv() -> None:
    """Re-executes this script with the virtualenv's Python unless it already runs in it."""
    venv = Path(os.environ.get("LPO_PY_VENV", "target/py-venv"))
    if not venv.is_absolute():
        venv = REPO / venv
    python = venv / "bin" / "python"
    if Path(sys.prefix).resolve() == venv.resolve():
        return
    if os.environ.get("LPO_VALIDATE_DEPLOY_REEXEC") == "1":
        _cannot_run(f"re-executed with {python}, but sys.prefix is {sys.prefix}")
    if not python.exists():
        _cannot_run(
            f"no virtualenv at {venv} (LPO_PY_VENV). Create it with scripts/py-env, "
            f"or: python3 -m venv {venv} && {venv}/bin/pip install -r {REQUIREMENTS.relative_to(REPO)}"
        )
    os.environ["LPO_VALIDATE_DEPLOY_REEXEC"] = "1"
    os.execv(str(python), [str(python), str(SCRIPT), *sys.argv[1:]])


_enter_venv()

# From here on, inside the virtualenv.
import argparse  # noqa: E402
import copy  # noqa: E402
import fnmatch  # noqa: E402
import importlib.metadata  # noqa: E402
import json  # noqa: E402
import posixpath  # noqa: E402
import re  # noqa: E402
import shlex  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from typing import Any, Iterable, Iterator  # noqa: E402


def _check_pins() -> None:
    """The installed packages must be the pinned ones: the schemas come from them."""
    wrong = []
    for line in REQUIREMENTS.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        name, _, want = line.partition("==")
        try:
            have = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            have = None
        if have != want:
            wrong.append(f"{name}: want {want}, have {have or 'nothing'}")
    if wrong:
        _cannot_run(
            f"the virtualenv at {sys.prefix} does not match "
            f"{REQUIREMENTS.relative_to(REPO)}:\n  " + "\n  ".join(wrong) + "\nRecreate it with scripts/py-env."
        )


_check_pins()

import jsonschema  # noqa: E402
import kubernetes_validate  # noqa: E402
import kubernetes_validate.utils as kv_utils  # noqa: E402
import pydantic  # noqa: E402
import referencing  # noqa: E402
import yaml  # noqa: E402
from hera.workflows import models as argo_models  # noqa: E402

# --------------------------------------------------------------------------------------------
# Reporting


class Report:
    def __init__(self) -> None:
        self.errors = 0
        self.objects = 0

    def ok(self, what: str) -> None:
        self.objects += 1
        print(f"ok     {what}")

    def note(self, what: str) -> None:
        print(f"note   {what}")

    def error(self, where: str, what: str) -> None:
        self.errors += 1
        print(f"ERROR  {where}: {what}")


R = Report()


def jpath(parts: Iterable[Any]) -> str:
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "(top level)"


# --------------------------------------------------------------------------------------------
# YAML: like kubectl and kustomize, a key given twice in one mapping is an error (PyYAML would
# silently keep the last).


class StrictLoader(yaml.SafeLoader):
    pass


def _mapping(loader: StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    loader.flatten_mapping(node)
    out: dict = {}
    for k_node, v_node in node.value:
        key = loader.construct_object(k_node, deep=deep)
        if key in out:
            raise yaml.constructor.ConstructorError(
                None, None, f"key {key!r} appears twice in one mapping", k_node.start_mark
            )
        out[key] = loader.construct_object(v_node, deep=deep)
    return out


StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def load_docs(path: Path) -> list[Any]:
    with path.open() as f:
        return [d for d in yaml.load_all(f, Loader=StrictLoader) if d is not None]


def rel(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)


# --------------------------------------------------------------------------------------------
# Kubernetes schemas (kubernetes-validate's files for the pinned version)


class K8sSchemas:
    def __init__(self, version: str) -> None:
        self.requested = version.lstrip("v")
        mm = kv_utils.major_minor(self.requested)
        have = [v for v in kv_utils.all_versions() if _vkey(v)[:2] <= _vkey(mm)[:2]]
        if not have:
            _cannot_run(f"kubernetes-validate has no schemas for Kubernetes {version}")
        self.version = have[-1]
        self._defs: dict[str, dict] = {}

    def _dir(self, strict: bool) -> str:
        return f"kubernetes-json-schema/v{self.version}-local" + ("-strict" if strict else "")

    def _file(self, doc: dict) -> str:
        # the same naming as kubernetes_validate.validate
        api = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", str(doc.get("apiVersion", "")))
        return f"{str(doc.get('kind', '')).lower()}-{api}.json"

    def top(self, doc: dict, strict: bool) -> dict | None:
        try:
            return kv_utils.schema_contents(f"{self._dir(strict)}/{self._file(doc)}", self.version)
        except FileNotFoundError:
            return None

    def defs(self, strict: bool) -> dict:
        key = "strict" if strict else "loose"
        if key not in self._defs:
            self._defs[key] = kv_utils.schema_contents(f"{self._dir(strict)}/_definitions.json", self.version)
        return self._defs[key]

    def resolve(self, node: dict | None) -> dict:
        """Follows $ref (into _definitions.json) until a schema without one."""
        seen = 0
        while isinstance(node, dict) and "$ref" in node and seen < 50:
            name = node["$ref"].split("/$defs/")[-1]
            node = self.defs(False)["$defs"].get(name, {})
            seen += 1
        return node if isinstance(node, dict) else {}

    def errors(self, doc: dict) -> list[str]:
        """Every schema error of `doc` in strict mode (unknown fields rejected)."""
        schema = self.top(doc, strict=True)
        if schema is None:
            return [f"no schema for apiVersion {doc.get('apiVersion')!r} kind {doc.get('kind')!r} in Kubernetes {self.version}"]
        # The public API first, exactly as kubernetes-validate validates ...
        try:
            kubernetes_validate.validate(doc, self.requested, strict=True)
            return []
        except kubernetes_validate.ValidationError:
            pass
        # ... then the same schemas again, to list every error rather than the first.
        registry = referencing.Resource.from_contents(schema) @ referencing.Registry()
        registry = referencing.Resource.from_contents(self.defs(True)) @ registry
        v = jsonschema.Draft202012Validator(schema, registry=registry)
        return [_explain(e) for e in sorted(v.iter_errors(doc), key=lambda e: list(map(str, e.absolute_path)))]


def _vkey(v: str) -> tuple[int, ...]:
    return tuple(int(x) for x in re.findall(r"\d+", v)[:3])


def _leaf(e: jsonschema.ValidationError) -> jsonschema.ValidationError:
    """The most specific error under a oneOf/anyOf: drop the alternatives whose type the value
    does not even have (`null` for an optional field), then follow the deepest error."""
    while e.context:
        branches: dict[Any, list] = {}
        for sub in e.context:
            branches.setdefault(sub.relative_schema_path[0] if sub.relative_schema_path else None, []).append(sub)
        viable = [errs for errs in branches.values()
                  if not any(x.validator == "type" and not x.relative_path for x in errs)]
        if not viable:
            break
        e = max((x for errs in viable for x in errs), key=lambda x: len(x.absolute_path))
    return e


def _explain(e: jsonschema.ValidationError) -> str:
    e = _leaf(e)
    msg = e.message if len(e.message) < 300 else e.message[:300] + "…"
    return f"{jpath(e.absolute_path)}: {msg}"


# --------------------------------------------------------------------------------------------
# Kustomize: the subset these files use


CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "PriorityClass", "StorageClass",
                  "PersistentVolume", "CustomResourceDefinition"}
NAMESPACED = {"Deployment", "Service", "ConfigMap", "Secret", "HorizontalPodAutoscaler",
              "PodDisruptionBudget", "ServiceAccount", "Role", "RoleBinding", "NetworkPolicy",
              "StatefulSet", "DaemonSet", "Job", "CronJob", "Ingress",
              "WorkflowTemplate", "CronWorkflow"}
KUSTOMIZATION_FIELDS = {"apiVersion", "kind", "resources", "namespace", "images", "patches"}


class KustomizeError(Exception):
    pass


@dataclass
class Obj:
    doc: dict
    origin: str  # the resource file it came from
    patched_by: list[str] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return str(self.doc.get("kind"))

    @property
    def name(self) -> str:
        return str((self.doc.get("metadata") or {}).get("name"))

    @property
    def namespace(self) -> str | None:
        return (self.doc.get("metadata") or {}).get("namespace")

    def label(self) -> str:
        ns = f"{self.namespace}/" if self.namespace else ""
        return f"{self.doc.get('apiVersion')} {self.kind} {ns}{self.name}"

    def where(self, root: Path) -> str:
        extra = f", patched by {', '.join(self.patched_by)}" if self.patched_by else ""
        return f"{self.origin} ({self.label()}{extra})"


class Kustomize:
    def __init__(self, root: Path, schemas: K8sSchemas) -> None:
        self.root = root
        self.schemas = schemas

    def build(self, d: Path) -> list[Obj]:
        kfile = d / "kustomization.yaml"
        where = rel(kfile, self.root)
        if not kfile.is_file():
            raise KustomizeError(f"{rel(d, self.root)}: no kustomization.yaml")
        docs = load_docs(kfile)
        if len(docs) != 1 or not isinstance(docs[0], dict):
            raise KustomizeError(f"{where}: expected one mapping")
        k = docs[0]
        unknown = sorted(set(k) - KUSTOMIZATION_FIELDS)
        if unknown:
            raise KustomizeError(
                f"{where}: field(s) {', '.join(unknown)} not implemented by scripts/validate-deploy.py "
                f"(it renders only {', '.join(sorted(KUSTOMIZATION_FIELDS))}); extend it before using them"
            )
        if k.get("apiVersion", "kustomize.config.k8s.io/v1beta1") != "kustomize.config.k8s.io/v1beta1" \
                or k.get("kind", "Kustomization") != "Kustomization":
            raise KustomizeError(f"{where}: apiVersion/kind must be kustomize.config.k8s.io/v1beta1 Kustomization")

        objs: list[Obj] = []
        used: set[Path] = {kfile.resolve()}
        for r in k.get("resources") or []:
            if not isinstance(r, str) or "://" in r:
                raise KustomizeError(f"{where}: resource {r!r}: only local files and folders are supported")
            p = (d / r).resolve()
            if p.is_dir():
                objs += self.build(p)
            elif p.is_file():
                if d.resolve() not in p.parents:
                    raise KustomizeError(f"{where}: resource file {r} is outside the kustomization's folder "
                                         "(kustomize refuses it; list its folder instead)")
                used.add(p)
                for i, doc in enumerate(load_docs(p)):
                    if not isinstance(doc, dict) or not doc.get("kind") or not (doc.get("metadata") or {}).get("name"):
                        raise KustomizeError(f"{rel(p, self.root)}: document {i + 1} has no kind or metadata.name")
                    objs.append(Obj(doc, rel(p, self.root)))
            else:
                raise KustomizeError(f"{where}: resource {r} does not exist")

        ids: set[tuple] = set()
        for o in objs:
            key = (o.doc.get("apiVersion"), o.kind, o.namespace, o.name)
            if key in ids:
                raise KustomizeError(f"{where}: {o.label()} is defined twice (kustomize refuses this)")
            ids.add(key)

        # kustomize's order of built-in transformers: patches, then namespace, then images.
        for i, entry in enumerate(k.get("patches") or []):
            used |= self._patch(d, where, i, entry, objs)
        if "namespace" in k:
            ns = k["namespace"]
            for o in objs:
                if o.kind == "Namespace":
                    o.doc["metadata"]["name"] = ns  # kustomize renames a listed Namespace
                elif o.kind in CLUSTER_SCOPED:
                    pass
                elif o.kind in NAMESPACED:
                    o.doc["metadata"]["namespace"] = ns
                else:
                    raise KustomizeError(f"{where}: namespace: is {o.kind} namespaced? Add it to NAMESPACED or "
                                         "CLUSTER_SCOPED in scripts/validate-deploy.py")
        for i, img in enumerate(k.get("images") or []):
            self._image(where, i, img, objs)

        # A YAML file in the folder that nothing lists is never deployed: almost always a mistake.
        for f in sorted(d.glob("*.y*ml")):
            if f.resolve() not in used:
                raise KustomizeError(f"{rel(f, self.root)} is in {rel(d, self.root)} but not listed in its "
                                     "kustomization.yaml (resources or patches)")
        return objs

    def _patch(self, d: Path, where: str, i: int, entry: Any, objs: list[Obj]) -> set[Path]:
        if not isinstance(entry, dict) or set(entry) - {"path", "patch"} or len(entry) != 1:
            raise KustomizeError(f"{where}: patches[{i}]: only `path:` or `patch:` (a strategic merge patch, "
                                 "no target/options) is implemented")
        used: set[Path] = set()
        if "path" in entry:
            p = (d / entry["path"]).resolve()
            if not p.is_file():
                raise KustomizeError(f"{where}: patches[{i}]: {entry['path']} does not exist")
            used.add(p)
            docs, src = load_docs(p), rel(p, self.root)
        else:
            docs, src = [d_ for d_ in yaml.load_all(entry["patch"], Loader=StrictLoader) if d_], f"{where} patches[{i}]"
        for doc in docs:
            if not isinstance(doc, dict):
                raise KustomizeError(f"{src}: a JSON 6902 patch (a list of operations) is not implemented; "
                                     "write a strategic merge patch")
            meta = doc.get("metadata") or {}
            hits = [o for o in objs if o.doc.get("apiVersion") == doc.get("apiVersion") and o.kind == doc.get("kind")
                    and o.name == meta.get("name") and meta.get("namespace") in (None, o.namespace)]
            if len(hits) != 1:
                raise KustomizeError(f"{src}: the patch of {doc.get('kind')} {meta.get('name')} matches "
                                     f"{len(hits)} resources, not exactly one")
            o = hits[0]
            top = self.schemas.top(o.doc, strict=False)
            o.doc = strategic_merge(o.doc, doc, top, self.schemas, src, [])
            o.patched_by.append(src)
        return used

    def _image(self, where: str, i: int, img: Any, objs: list[Obj]) -> None:
        if not isinstance(img, dict) or "name" not in img or set(img) - {"name", "newName", "newTag", "digest"}:
            raise KustomizeError(f"{where}: images[{i}]: give name and newName/newTag/digest")
        hits = 0
        for o in objs:
            for c in _containers(o.doc):
                name, tag, digest = split_image(c.get("image", ""))
                if name != img["name"]:
                    continue
                hits += 1
                name = img.get("newName", name)
                if "digest" in img:
                    c["image"] = f"{name}@{img['digest']}"
                elif "newTag" in img:
                    c["image"] = f"{name}:{img['newTag']}"
                else:
                    c["image"] = name + (f"@{digest}" if digest else f":{tag}" if tag else "")
        if not hits:
            raise KustomizeError(f"{where}: images[{i}]: no container uses image {img['name']!r}")


def split_image(image: str) -> tuple[str, str | None, str | None]:
    digest = None
    if "@" in image:
        image, digest = image.split("@", 1)
    tag = None
    last = image.rsplit("/", 1)[-1]
    if ":" in last:
        image, tag = image.rsplit(":", 1)
    return image, tag, digest


def _containers(doc: Any) -> Iterator[dict]:
    """Every container of every pod spec inside `doc` (pod templates of any workload kind)."""
    if isinstance(doc, dict):
        for k, v in doc.items():
            if k in ("containers", "initContainers", "ephemeralContainers") and isinstance(v, list):
                yield from (c for c in v if isinstance(c, dict))
            else:
                yield from _containers(v)
    elif isinstance(doc, list):
        for v in doc:
            yield from _containers(v)


def strategic_merge(base: Any, patch: Any, schema: dict | None, schemas: K8sSchemas, src: str, path: list) -> Any:
    """A strategic merge patch: maps merge key by key (null deletes), lists merge by their
    x-kubernetes-patch-merge-key when the schema's patch strategy is `merge`, other lists are
    replaced. Directives ($patch, $setElementOrder, ...) are refused, not half-implemented."""
    if not isinstance(base, dict) or not isinstance(patch, dict):
        return copy.deepcopy(patch)
    schema = schemas.resolve(schema) if schema else {}
    props = schema.get("properties", {}) if schema else {}
    out = copy.deepcopy(base)
    for k, v in patch.items():
        if isinstance(k, str) and k.startswith("$"):
            raise KustomizeError(f"{src}: {jpath(path + [k])}: the patch directive {k} is not implemented")
        sub = props.get(k) if props else None
        if sub is None and schema and isinstance(schema.get("additionalProperties"), dict):
            sub = schema["additionalProperties"]
        if v is None:
            out.pop(k, None)
        elif isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = strategic_merge(out[k], v, sub, schemas, src, path + [k])
        elif isinstance(v, list) and isinstance(out.get(k), list):
            out[k] = _merge_list(out[k], v, sub or {}, schemas, src, path + [k])
        else:
            out[k] = copy.deepcopy(v)
    return out


def _merge_list(base: list, patch: list, schema: dict, schemas: K8sSchemas, src: str, path: list) -> list:
    schema = schemas.resolve(schema)
    strategy = schema.get("x-kubernetes-patch-strategy", "")
    key = schema.get("x-kubernetes-patch-merge-key")
    if "merge" not in strategy.split(","):
        return copy.deepcopy(patch)
    ident = (lambda x: x.get(key) if isinstance(x, dict) else None) if key else (lambda x: x)
    items = schema.get("items")
    merged: list = []  # the patch's items, merged into their base items, in patch order
    for j, item in enumerate(patch):
        if key and (not isinstance(item, dict) or key not in item):
            raise KustomizeError(f"{src}: {jpath(path + [j])}: a list merged by `{key}` needs `{key}` in each item")
        b = next((x for x in base if ident(x) == ident(item)), None)
        merged.append(copy.deepcopy(item) if b is None or not key
                      else strategic_merge(b, item, items, schemas, src, path + [j]))
    in_patch = {json.dumps(ident(x), sort_keys=True) for x in patch}
    base_only = [copy.deepcopy(x) for x in base if json.dumps(ident(x), sort_keys=True) not in in_patch]
    # The order apimachinery's strategic merge gives (mergeSortedSlice), which kustomize follows:
    # a base-only item goes before a patch item only when both are in the base and it comes
    # first there; items new in the patch stay where the patch puts them.
    order = [json.dumps(ident(x), sort_keys=True) for x in base]

    def pos(x: Any) -> int:
        k = json.dumps(ident(x), sort_keys=True)
        return order.index(k) if k in order else -1

    out: list = []
    i = j = 0
    while i < len(base_only) or j < len(merged):
        if j >= len(merged):
            out.append(base_only[i]); i += 1
        elif i >= len(base_only):
            out.append(merged[j]); j += 1
        else:
            li, ri = pos(base_only[i]), pos(merged[j])
            if li >= 0 and ri >= 0 and li < ri:
                out.append(base_only[i]); i += 1
            else:
                out.append(merged[j]); j += 1
    return out


# --------------------------------------------------------------------------------------------
# The lpo command line, read from its source (crates/lpo-cli/src), so that deployment files
# cannot use a flag the binary does not have. No build needed.


@dataclass
class Flag:
    takes_value: bool
    required: bool


@dataclass
class Cli:
    globals_: dict[str, Flag]
    commands: dict[str, dict[str, Flag]]


def _kebab(s: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", s).lower().replace("_", "-")


def _find_struct(src: Path, struct: str) -> tuple[str, str]:
    """The file (text, path) of crates/lpo-cli/src that defines `pub struct {struct}`."""
    for f in sorted(src.rglob("*.rs")):
        text = f.read_text()
        if re.search(rf"pub(?:\([^)]*\))? struct {struct}\b", text):
            return text, str(f)
    raise ValueError(f"{src}: no `pub struct {struct}`")


def _struct_fields(text: str, struct: str, file: str, src: Path | None = None) -> dict[str, Flag]:
    m = re.search(rf"pub(?:\([^)]*\))? struct {struct}\s*\{{\n(.*?)\n\}}", text, re.S)
    if not m:
        raise ValueError(f"{file}: no `pub struct {struct}`")
    flags: dict[str, Flag] = {}
    attr = ""
    depth = 0
    for line in m.group(1).splitlines():
        s = line.strip()
        if depth or s.startswith("#["):
            attr += " " + s
            depth += s.count("(") + s.count("[") - s.count(")") - s.count("]")
            continue
        if s.startswith("//") or not s:
            continue
        fm = re.match(r"(?:pub(?:\([^)]*\))?\s+)?(\w+)\s*:\s*(.+?),?$", s)
        if fm:
            name, ty = fm.groups()
            if "flatten" in attr:  # the flags of another struct, inlined (#[command(flatten)])
                if src is None:
                    raise ValueError(f"{file}: {struct}.{name} is flattened")
                inner = ty.strip()
                itext, ifile = _find_struct(src, inner)
                flags.update(_struct_fields(itext, inner, ifile, src))
                attr = ""
                continue
            long_ = re.search(r'\blong\b(?:\s*=\s*"([^"]+)")?', attr)
            short = re.search(r"\bshort\b(?:\s*=\s*'(.)')?", attr)
            takes = ty.strip() != "bool"
            required = takes and not ty.startswith(("Option<", "Vec<")) and "default_value" not in attr
            if long_:
                flags["--" + (long_.group(1) or _kebab(name))] = Flag(takes, required)
            if short:
                flags["-" + (short.group(1) or name[0])] = Flag(takes, False)
        attr = ""
    return flags


def read_cli(root: Path) -> Cli:
    src = root / "crates/lpo-cli/src"
    lib = (src / "lib.rs").read_text()
    enum = re.search(r"enum Command\s*\{(.*?)\n\}", lib, re.S)
    if not enum:
        raise ValueError("crates/lpo-cli/src/lib.rs: no `enum Command`")
    commands: dict[str, dict[str, Flag]] = {}
    for variant, module, struct in re.findall(r"^\s*(\w+)\((\w+)::(\w+)\),", enum.group(1), re.M):
        f = src / f"{module}.rs"
        if not f.exists():
            f = src / module / "mod.rs"
        flags = _struct_fields(f.read_text(), struct, rel(f, root), src)
        flags["--help"] = flags["-h"] = Flag(False, False)
        commands[_kebab(variant)] = flags
    globals_ = _struct_fields((src / "common.rs").read_text(), "Global", "crates/lpo-cli/src/common.rs")
    globals_.update({"--help": Flag(False, False), "-h": Flag(False, False),
                     "--version": Flag(False, False), "-V": Flag(False, False)})
    return Cli(globals_, commands)


def check_lpo_argv(cli: Cli, argv: list[str], where: str) -> dict[str, str] | None:
    """Checks one `lpo …` command line (argv without `lpo`); returns its flag values (the
    subcommand under ""), or None without a known subcommand."""
    sub: str | None = None
    values: dict[str, str] = {"": ""}
    seen: set[str] = set()
    i = 0
    while i < len(argv):
        t = argv[i]
        if t.startswith("-") and t != "-":
            name, eq, val = t.partition("=")
            spec = {**cli.globals_, **(cli.commands.get(sub, {}) if sub else {})}
            if name not in spec:
                R.error(where, f"`lpo {sub or ''}` has no flag {name} "
                               f"(crates/lpo-cli/src; known: {', '.join(sorted(k for k in spec if k.startswith('--')))})")
            elif spec[name].takes_value and not eq:
                i += 1
                if i >= len(argv):
                    R.error(where, f"`lpo {sub or ''}`: {name} needs a value")
                    break
                val = argv[i]
            seen.add(name)
            values[name] = val
        elif sub is None:
            sub = t
            if sub not in cli.commands:
                R.error(where, f"`lpo {sub}`: no such subcommand (have {', '.join(sorted(cli.commands))})")
                return None
        i += 1
    if sub is None:
        R.error(where, "`lpo` without a subcommand")
        return None
    missing = [n for n, f in cli.commands[sub].items() if f.required and n not in seen]
    if missing:
        R.error(where, f"`lpo {sub}` needs {', '.join(missing)}")
    values[""] = sub
    # The values even when a flag was wrong (already reported), so that the checks that use
    # them still run and report their own findings.
    return values


SHELL_OPS = {";", "&&", "||", "|", "&", ">", ">>", "<", "(", ")", "|&", ";;", "<<"}
SHELL_PREFIX = {"exec", "time", "!", "then", "do", "else", "if", "while", "until"}


def lpo_calls_in_script(script: str) -> list[list[str]]:
    """The `lpo …` command lines of a shell script (continuations joined, up to the first
    operator or redirection)."""
    calls = []
    for line in script.replace("\\\n", " ").splitlines():
        if "lpo" not in line:
            continue
        lex = shlex.shlex(line, posix=True, punctuation_chars=True)
        lex.whitespace_split = True
        lex.commenters = "#"
        try:
            toks = list(lex)
        except ValueError:
            continue
        for j, t in enumerate(toks):
            if t == "lpo" and (j == 0 or toks[j - 1] in SHELL_OPS or toks[j - 1] in SHELL_PREFIX):
                argv = []
                for u in toks[j + 1:]:
                    if u in SHELL_OPS or (u and set(u) <= set("<>&|;()")):
                        break
                    argv.append(u)
                if argv and argv[-1].isdigit():  # `2>` split into `2` `>`
                    argv.pop()
                calls.append(argv)
    return calls


def bash_syntax(script: str, where: str) -> None:
    bash = shutil.which("bash")
    if not bash:
        R.note(f"{where}: bash not found, shell syntax not checked")
        return
    # Argo substitutes {{…}} before the script runs; any word will do for the syntax check.
    text = re.sub(r"\{\{[^}]*\}\}", "ARGO_PARAMETER", script)
    with tempfile.NamedTemporaryFile("w", suffix=".sh", delete=False) as f:
        f.write(text)
    try:
        r = subprocess.run([bash, "-n", f.name], capture_output=True, text=True)
        if r.returncode != 0:
            R.error(where, "shell syntax: " + r.stderr.strip().replace(f.name, "script"))
    finally:
        os.unlink(f.name)


# --------------------------------------------------------------------------------------------
# Checks on a rendered set of Kubernetes objects, beyond the schemas


GIT_SYNC_ENV = {  # every variable git-sync v4.7.1 reads; an unknown GITSYNC_* is silently ignored
    "GITSYNC_ADD_USER", "GITSYNC_ASKPASS_URL", "GITSYNC_COOKIE_FILE", "GITSYNC_CREDENTIAL", "GITSYNC_DEPTH",
    "GITSYNC_ERROR_FILE", "GITSYNC_EXECHOOK_BACKOFF", "GITSYNC_EXECHOOK_COMMAND", "GITSYNC_EXECHOOK_TIMEOUT",
    "GITSYNC_FILTER", "GITSYNC_GIT", "GITSYNC_GITHUB_APP_APPLICATION_ID", "GITSYNC_GITHUB_APP_CLIENT_ID",
    "GITSYNC_GITHUB_APP_INSTALLATION_ID", "GITSYNC_GITHUB_APP_PRIVATE_KEY", "GITSYNC_GITHUB_APP_PRIVATE_KEY_FILE",
    "GITSYNC_GITHUB_BASE_URL", "GITSYNC_GIT_CONFIG", "GITSYNC_GIT_GC", "GITSYNC_GROUP_WRITE", "GITSYNC_HTTP_BIND",
    "GITSYNC_HTTP_METRICS", "GITSYNC_HTTP_PPROF", "GITSYNC_INIT_MAX_FAILURES", "GITSYNC_INIT_PERIOD", "GITSYNC_LINK",
    "GITSYNC_MAX_FAILURES", "GITSYNC_ONE_TIME", "GITSYNC_PASSWORD", "GITSYNC_PASSWORD_FILE", "GITSYNC_PERIOD",
    "GITSYNC_REF", "GITSYNC_REPO", "GITSYNC_ROOT", "GITSYNC_SPARSE_CHECKOUT_FILE", "GITSYNC_SSH_KEY_FILE",
    "GITSYNC_SSH_KNOWN_HOSTS", "GITSYNC_SSH_KNOWN_HOSTS_FILE", "GITSYNC_STALE_WORKTREE_TIMEOUT",
    "GITSYNC_SUBMODULES", "GITSYNC_SYNC_ON_SIGNAL", "GITSYNC_SYNC_TIMEOUT", "GITSYNC_TOUCH_FILE",
    "GITSYNC_USERNAME", "GITSYNC_VERBOSE", "GITSYNC_WEBHOOK_BACKOFF", "GITSYNC_WEBHOOK_METHOD",
    "GITSYNC_WEBHOOK_SUCCESS_STATUS", "GITSYNC_WEBHOOK_TIMEOUT", "GITSYNC_WEBHOOK_URL",
}
PSS_VOLUMES = {"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim",
               "projected", "secret"}


def _env(c: dict) -> dict[str, dict]:
    return {e.get("name"): e for e in c.get("env") or []}


def _env_value(c: dict, name: str) -> str | None:
    e = _env(c).get(name)
    return e.get("value") if e else None


def _port_ok(c: dict, port: Any) -> bool:
    return any(port in (p.get("name"), p.get("containerPort")) for p in c.get("ports") or [])


def _mount_of(c: dict, path: str) -> tuple[dict, str] | None:
    """The volumeMount that holds `path` in container `c`, and the path inside the volume."""
    best = None
    for m in c.get("volumeMounts") or []:
        mp = m["mountPath"].rstrip("/")
        if path == mp or path.startswith(mp + "/"):
            if best is None or len(mp) > len(best[0]["mountPath"].rstrip("/")):
                best = (m, posixpath.relpath(path, mp))
    return best


def _secs(v: str | None) -> float | None:
    try:
        return float(v) if v is not None else None
    except ValueError:
        return None


def _is_lpo(c: dict, lpo_images: set[str]) -> bool:
    return split_image(c.get("image", ""))[0] in lpo_images


def check_k8s(objs: list[Obj], root: Path, cli: Cli, lpo_images: set[str], label: str) -> None:
    by_kind: dict[str, list[Obj]] = {}
    for o in objs:
        by_kind.setdefault(o.kind, []).append(o)
    configmaps = {o.name: o for o in by_kind.get("ConfigMap", [])}
    deployments = {o.name: o for o in by_kind.get("Deployment", [])}
    secrets_needed: dict[str, set[str]] = {}
    hpa_targets = {(h.doc["spec"]["scaleTargetRef"].get("kind"), h.doc["spec"]["scaleTargetRef"].get("name"))
                   for h in by_kind.get("HorizontalPodAutoscaler", [])}

    def pod_labels() -> list[tuple[Obj, dict, dict]]:
        return [(o, o.doc["spec"]["template"]["metadata"].get("labels") or {}, o.doc["spec"]["template"])
                for o in by_kind.get("Deployment", [])]

    for o in by_kind.get("Deployment", []):
        where = o.where(root)
        spec = o.doc["spec"]
        tmpl = spec["template"]
        pod = tmpl["spec"]
        labels = tmpl["metadata"].get("labels") or {}
        sel = (spec.get("selector") or {}).get("matchLabels") or {}
        if not sel or any(labels.get(k) != v for k, v in sel.items()):
            R.error(where, f"spec.selector.matchLabels {sel} does not match the pod template's labels {labels}")
        if ("Deployment", o.name) in hpa_targets and "replicas" in spec:
            R.error(where, "spec.replicas is set although a HorizontalPodAutoscaler scales this Deployment: "
                           "every apply would reset the replica count")
        volumes = {v["name"]: v for v in pod.get("volumes") or []}
        containers = (pod.get("initContainers") or []) + (pod.get("containers") or [])
        names = [c["name"] for c in containers]
        if len(set(names)) != len(names):
            R.error(where, f"container names repeat: {names}")

        # Pod Security Standard "restricted" (the production namespace enforces it).
        psc = pod.get("securityContext") or {}
        for key in ("hostNetwork", "hostPID", "hostIPC"):
            if pod.get(key):
                R.error(where, f"Pod Security restricted: {key} is not allowed")
        for v in volumes.values():
            kinds = set(v) - {"name"}
            if not kinds <= PSS_VOLUMES:
                R.error(where, f"Pod Security restricted: volume {v['name']} of type {sorted(kinds)} is not allowed")
        for c in containers:
            csc = c.get("securityContext") or {}
            cw = f"{where} container {c['name']}"
            if csc.get("allowPrivilegeEscalation") is not False:
                R.error(cw, "Pod Security restricted: securityContext.allowPrivilegeEscalation must be false")
            if "ALL" not in ((csc.get("capabilities") or {}).get("drop") or []):
                R.error(cw, "Pod Security restricted: securityContext.capabilities.drop must include ALL")
            if set((csc.get("capabilities") or {}).get("add") or []) - {"NET_BIND_SERVICE"}:
                R.error(cw, "Pod Security restricted: only NET_BIND_SERVICE may be added")
            if csc.get("privileged"):
                R.error(cw, "Pod Security restricted: privileged")
            if not csc.get("runAsNonRoot", psc.get("runAsNonRoot")):
                R.error(cw, "Pod Security restricted: runAsNonRoot must be true (pod or container)")
            if csc.get("runAsUser", psc.get("runAsUser")) == 0:
                R.error(cw, "Pod Security restricted: runAsUser 0")
            seccomp = (csc.get("seccompProfile") or psc.get("seccompProfile") or {}).get("type")
            if seccomp not in ("RuntimeDefault", "Localhost"):
                R.error(cw, "Pod Security restricted: seccompProfile.type must be RuntimeDefault or Localhost")
            if not csc.get("readOnlyRootFilesystem"):
                R.error(cw, "securityContext.readOnlyRootFilesystem should be true")

            # References inside the container.
            env = _env(c)
            for m in c.get("volumeMounts") or []:
                if m["name"] not in volumes:
                    R.error(cw, f"volumeMount {m['name']} names no volume of the pod")
            for word in (c.get("command") or []) + (c.get("args") or []):
                for var in re.findall(r"(?<!\$)\$\(([A-Za-z_][A-Za-z0-9_]*)\)", str(word)):
                    if var not in env:
                        R.error(cw, f"$({var}) in the command line, but no env var {var}: "
                                    "Kubernetes would pass the text unchanged")
            for e in env.values():
                vf = e.get("valueFrom") or {}
                if "secretKeyRef" in vf:
                    secrets_needed.setdefault(vf["secretKeyRef"]["name"], set()).add(vf["secretKeyRef"]["key"])
                rf = vf.get("resourceFieldRef")
                if rf and rf.get("containerName") not in (None, c["name"]) and rf["containerName"] not in names:
                    R.error(cw, f"env {e['name']}: resourceFieldRef names no container {rf['containerName']}")
            for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
                hg = (c.get(probe) or {}).get("httpGet")
                if hg and not _port_ok(c, hg.get("port")):
                    R.error(cw, f"{probe}: port {hg.get('port')!r} is not a port of this container")
            if c.get("restartPolicy") == "Always" and c in (pod.get("initContainers") or []) and not c.get("startupProbe"):
                R.note(f"{cw}: a native sidecar without a startupProbe: the main containers may start before it is ready")

        for v in volumes.values():
            if "configMap" in v:
                cm = configmaps.get(v["configMap"]["name"])
                if cm is None:
                    R.error(where, f"volume {v['name']}: ConfigMap {v['configMap']['name']} is not in this render")
                else:
                    for it in v["configMap"].get("items") or []:
                        if it["key"] not in (cm.doc.get("data") or {}):
                            R.error(where, f"volume {v['name']}: ConfigMap {cm.name} has no key {it['key']}")
            if "secret" in v:
                secrets_needed.setdefault(v["secret"]["secretName"], set()).update(
                    it["key"] for it in v["secret"].get("items") or [])

        # The lpo container: its command line, probes, metrics annotations, drain timing.
        lpo = [c for c in containers if _is_lpo(c, lpo_images)]
        if not lpo:
            R.error(where, f"no container runs the lpo image ({', '.join(sorted(lpo_images))})")
            continue
        for c in lpo:
            cw = f"{where} container {c['name']}"
            argv = (c.get("command") or ["lpo"])[1:] + (c.get("args") or [])
            if (c.get("command") or ["lpo"])[0] not in ("lpo", "/usr/local/bin/lpo"):
                R.error(cw, "the lpo image's entrypoint is lpo; a command that is not lpo was given")
                continue
            vals = check_lpo_argv(cli, argv, cw)
            if not vals:
                continue
            if vals[""] != "serve":
                R.error(cw, f"runs `lpo {vals['']}`, not `lpo serve`")
                continue
            addr = vals.get("--addr", "127.0.0.1:8080")
            host, _, port = addr.rpartition(":")
            if host in ("127.0.0.1", "localhost", "[::1]"):
                R.error(cw, f"--addr {addr} listens on loopback only: nothing outside the pod can reach it")
            if not _port_ok(c, int(port) if port.isdigit() else port):
                R.error(cw, f"--addr port {port} is not a containerPort")
            if vals.get("--log-format") != "json":
                R.error(cw, "--log-format json expected (the cluster's log pipeline parses JSON)")
            for probe, path in (("readinessProbe", "/readyz"), ("livenessProbe", "/healthz"), ("startupProbe", "/readyz")):
                got = ((c.get(probe) or {}).get("httpGet") or {}).get("path")
                if got != path:
                    R.error(cw, f"{probe}: httpGet path {got!r}, expected {path} (docs/http.md)")
            ann = tmpl["metadata"].get("annotations") or {}
            if ann.get("prometheus.io/scrape") != "true" or ann.get("prometheus.io/path") != "/metrics" \
                    or ann.get("prometheus.io/port") != port:
                R.error(where, f"pod annotations prometheus.io/scrape=true, path=/metrics, port={port} expected; got "
                               f"{ {k: v for k, v in ann.items() if k.startswith('prometheus.io/')} }")
            # Drain: the longest request is twice --request-timeout, plus --max-time-limit for
            # /v1/optimise (docs/http.md); the grace period must cover preStop plus the drain.
            drain = _secs(vals.get("--drain-timeout"))
            rt = _secs(vals.get("--request-timeout", "10"))
            mtl = _secs(vals.get("--max-time-limit", "60"))
            if drain is None:
                R.error(cw, "--drain-timeout must be given explicitly: terminationGracePeriodSeconds is computed from it")
            else:
                if rt is not None and mtl is not None and drain < 2 * rt + mtl:
                    R.error(cw, f"--drain-timeout {drain:g} < 2 x --request-timeout {rt:g} + --max-time-limit {mtl:g}: "
                                "a draining pod could cut off an optimisation")
                pre = (c.get("lifecycle") or {}).get("preStop") or {}
                sleep = 0.0
                cmd = (pre.get("exec") or {}).get("command") or []
                if cmd and posixpath.basename(cmd[0]) == "sleep" and len(cmd) == 2:
                    sleep = float(cmd[1])
                elif "sleep" in pre:
                    sleep = float(pre["sleep"]["seconds"])
                else:
                    R.error(cw, "no preStop sleep: SIGTERM would arrive while the endpoints still route to the pod")
                grace = pod.get("terminationGracePeriodSeconds", 30)
                if grace <= sleep + drain:
                    R.error(where, f"terminationGracePeriodSeconds {grace} <= preStop sleep {sleep:g} + --drain-timeout "
                                   f"{drain:g}: the kubelet would kill lpo mid-drain")
            token_env = vals.get("--admin-token-env", "LPO_ADMIN_TOKEN")
            if token_env not in _env(c):
                R.note(f"{cw}: no {token_env}: POST /admin/reload does not exist; reload only by SIGHUP")

            # git-sync: the link it publishes must be the folder lpo reads --config from.
            for g in containers:
                if "git-sync/git-sync:" not in g.get("image", ""):
                    continue
                gw = f"{where} container {g['name']}"
                if not re.search(r":v4\.", g["image"]):
                    R.error(gw, f"{g['image']}: the GITSYNC_* variables here are git-sync v4's")
                for n in _env(g):
                    if n.startswith("GITSYNC_") and n not in GIT_SYNC_ENV:
                        R.error(gw, f"env {n}: not a git-sync v4 variable (git-sync would ignore it)")
                groot, glink = _env_value(g, "GITSYNC_ROOT"), _env_value(g, "GITSYNC_LINK")
                conf = vals.get("--config")
                if not (groot and glink and conf):
                    R.error(gw, "GITSYNC_ROOT, GITSYNC_LINK and lpo's --config are all needed")
                    continue
                link = posixpath.normpath(posixpath.join(groot, glink))
                gm, lm = _mount_of(g, link), _mount_of(c, posixpath.dirname(conf))
                if not gm or not lm or gm[0]["name"] != lm[0]["name"] or gm[1] != lm[1]:
                    R.error(gw, f"git-sync publishes {link}, but lpo reads --config {conf}: they are not the same "
                                "folder of one shared volume")
                if lm and not lm[0].get("readOnly"):
                    R.error(cw, f"mount {lm[0]['mountPath']}: lpo only reads the config; mount it readOnly")
                hook = _env_value(g, "GITSYNC_EXECHOOK_COMMAND")
                if _env_value(g, "GITSYNC_WEBHOOK_URL"):
                    R.error(gw, "GITSYNC_WEBHOOK_URL: a webhook cannot send lpo's bearer token; use the exechook")
                if not hook:
                    R.error(gw, "no GITSYNC_EXECHOOK_COMMAND: lpo would never reload a new commit")
                    continue
                hm = _mount_of(g, hook)
                vol = volumes.get(hm[0]["name"]) if hm else None
                cmref = (vol or {}).get("configMap")
                cm = configmaps.get(cmref["name"]) if cmref else None
                if not cm or hm[1] not in (cm.doc.get("data") or {}):
                    R.error(gw, f"GITSYNC_EXECHOOK_COMMAND {hook} is not a key of a ConfigMap mounted in this container")
                    continue
                if not (cmref.get("defaultMode", 0o644) & 0o111):
                    R.error(gw, f"volume {vol['name']}: defaultMode {cmref.get('defaultMode', 0o644):o} is not executable")
                script = cm.doc["data"][hm[1]]
                if not script.startswith("#!"):
                    R.error(f"{cm.where(root)} {hm[1]}", "the hook has no #! line: git-sync executes it directly")
                bash_syntax(script, f"{cm.where(root)} key {hm[1]}")
                um = re.search(r"https?://(?:127\.0\.0\.1|localhost):(\d+)/admin/reload", script)
                if not um or um.group(1) != port:
                    R.error(f"{cm.where(root)} {hm[1]}", f"the hook's reload URL does not use lpo's port {port}")
                gt, lt = _env(g).get(token_env), _env(c).get(token_env)
                if not gt or not lt or gt.get("valueFrom") != lt.get("valueFrom"):
                    R.error(gw, f"{token_env} must come from the same Secret key as in the lpo container "
                                "(the hook sends it, lpo checks it)")

    for s in by_kind.get("Service", []):
        where = s.where(root)
        sel = s.doc["spec"].get("selector") or {}
        pods = [(o, t) for o, lab, t in pod_labels() if sel and all(lab.get(k) == v for k, v in sel.items())]
        if not pods:
            R.error(where, f"selector {sel} matches no pod template in this render")
        for p in s.doc["spec"].get("ports") or []:
            tp = p.get("targetPort", p.get("port"))
            if pods and not any(_port_ok(c, tp) for _, t in pods for c in t["spec"]["containers"]):
                R.error(where, f"port {p.get('name')}: targetPort {tp!r} is no container port of the selected pods")
    for h in by_kind.get("HorizontalPodAutoscaler", []):
        where = h.where(root)
        spec = h.doc["spec"]
        ref = spec["scaleTargetRef"]
        d = deployments.get(ref.get("name")) if ref.get("kind") == "Deployment" else None
        if d is None:
            R.error(where, f"scaleTargetRef {ref.get('kind')}/{ref.get('name')} is not in this render")
        if spec.get("minReplicas", 1) > spec["maxReplicas"]:
            R.error(where, "minReplicas > maxReplicas")
        for m in spec.get("metrics") or []:
            cr = m.get("containerResource")
            if cr and d and cr["container"] not in [c["name"] for c in d.doc["spec"]["template"]["spec"]["containers"]]:
                R.error(where, f"containerResource names no container {cr['container']} of {d.name}")
    for p in by_kind.get("PodDisruptionBudget", []):
        sel = (p.doc["spec"].get("selector") or {}).get("matchLabels") or {}
        if not any(sel and all(lab.get(k) == v for k, v in sel.items()) for _, lab, _ in pod_labels()):
            R.error(p.where(root), f"selector {sel} matches no pod template in this render")
    if secrets_needed:
        R.note(f"{label}: expects Secret(s) created out of band: " +
               ", ".join(f"{n} ({', '.join(sorted(k)) or 'all keys'})" for n, k in sorted(secrets_needed.items())))


# --------------------------------------------------------------------------------------------
# Argo Workflows


ARGO_KINDS = {
    "WorkflowTemplate": argo_models.WorkflowTemplate,
    "ClusterWorkflowTemplate": argo_models.ClusterWorkflowTemplate,
    "CronWorkflow": argo_models.CronWorkflow,
    "Workflow": argo_models.Workflow,
}


def argo_api_version() -> str:
    text = Path(argo_models.__file__).read_text()
    m = re.search(r"argo-workflows/(v[\d.]+)/", text)
    return m.group(1) if m else "?"


_STRICT: dict[str, jsonschema.protocols.Validator] = {}


def strict_validator(kind: str) -> jsonschema.protocols.Validator:
    """The JSON schema of hera's model, with every object closed (additionalProperties: false)."""
    if kind not in _STRICT:
        schema = ARGO_KINDS[kind].model_json_schema(by_alias=True, mode="validation")

        def close(node: Any) -> None:
            if isinstance(node, dict):
                if node.get("type") == "object" and "properties" in node and "additionalProperties" not in node:
                    node["additionalProperties"] = False
                for v in node.values():
                    close(v)
            elif isinstance(node, list):
                for v in node:
                    close(v)

        close(schema)
        _STRICT[kind] = jsonschema.Draft202012Validator(schema)
    return _STRICT[kind]


def check_argo_file(path: Path, root: Path, cli: Cli, templates: dict[str, dict], lpo_images: set[str]) -> None:
    where_file = rel(path, root)
    try:
        docs = load_docs(path)
    except yaml.YAMLError as e:
        R.error(where_file, f"YAML: {e}")
        return
    for doc in docs:
        kind = doc.get("kind") if isinstance(doc, dict) else None
        name = ((doc.get("metadata") or {}).get("name") if isinstance(doc, dict) else None)
        where = f"{where_file} ({doc.get('apiVersion') if isinstance(doc, dict) else '?'} {kind} {name})"
        if kind not in ARGO_KINDS:
            R.error(where, f"not an Argo Workflows kind this validator knows ({', '.join(ARGO_KINDS)})")
            continue
        if doc.get("apiVersion") != "argoproj.io/v1alpha1":
            R.error(where, "apiVersion must be argoproj.io/v1alpha1")
            continue
        n0 = R.errors
        # 1. hera's pydantic models: types, required fields, enums (unknown fields are ignored here) ...
        reported: set[str] = set()
        try:
            ARGO_KINDS[kind].model_validate(doc)
        except pydantic.ValidationError as e:
            for err in e.errors():
                path = jpath(p for p in err["loc"] if not (isinstance(p, str) and "[" in p))
                if path not in reported:
                    reported.add(path)
                    R.error(where, f"{path}: {err['msg']} (hera {kind} model)")
        # 2. ... and the same models as a closed JSON schema: unknown fields are errors.
        for err in sorted(strict_validator(kind).iter_errors(doc), key=lambda e: list(map(str, e.absolute_path))):
            msg = _explain(err)
            if msg.split(": ", 1)[0] not in reported:
                R.error(where, msg)
        if R.errors == n0:
            check_argo_refs(doc, where, templates)
            check_argo_commands(doc, where, cli, lpo_images)
        if R.errors == n0:
            R.ok(f"argo {argo_api_version()} strict  {where_file}  {doc['apiVersion']} {kind} {name}")


def _spec_of(doc: dict) -> dict:
    return doc["spec"]["workflowSpec"] if doc["kind"] == "CronWorkflow" else doc["spec"]


def check_argo_refs(doc: dict, where: str, templates: dict[str, dict]) -> None:
    """What `argo lint` would catch at submit time: references between templates and steps."""
    spec = _spec_of(doc)
    ref = spec.get("workflowTemplateRef")
    wf_params = {p["name"] for p in (spec.get("arguments") or {}).get("parameters") or []}
    if ref:
        target = templates.get(ref["name"])
        if target is None:
            R.error(where, f"workflowTemplateRef {ref['name']} is no WorkflowTemplate in deploy/argo")
            return
        declared = {p["name"] for p in (target["spec"].get("arguments") or {}).get("parameters") or []}
        for p in wf_params - declared:
            R.error(where, f"argument {p} is not a parameter of WorkflowTemplate {ref['name']}")
        return
    tmpls = {t["name"]: t for t in spec.get("templates") or []}
    if spec.get("entrypoint") not in tmpls:
        R.error(where, f"entrypoint {spec.get('entrypoint')!r} names no template")
    text_params = set(re.findall(r"\{\{workflow\.parameters\.([\w-]+)\}\}", json.dumps(spec)))
    for p in sorted(text_params - wf_params):
        R.error(where, f"{{{{workflow.parameters.{p}}}}} is used but spec.arguments has no parameter {p}")
    for t in tmpls.values():
        tw = f"{where} template {t['name']}"
        text = json.dumps(t)
        inputs = t.get("inputs") or {}
        in_params = {p["name"] for p in inputs.get("parameters") or []}
        for p in sorted(set(re.findall(r"\{\{inputs\.parameters\.([\w-]+)\}\}", text)) - in_params):
            R.error(tw, f"{{{{inputs.parameters.{p}}}}} is used but the template has no input parameter {p}")
        steps = [s for group in t.get("steps") or [] for s in group]
        step_names = {s["name"]: s for s in steps}
        for s in steps:
            sw = f"{tw} step {s['name']}"
            called = tmpls.get(s.get("template", ""))
            if called is None:
                R.error(sw, f"template {s.get('template')!r} does not exist")
                continue
            cin = called.get("inputs") or {}
            given_p = {p["name"] for p in (s.get("arguments") or {}).get("parameters") or []}
            given_a = {a["name"] for a in (s.get("arguments") or {}).get("artifacts") or []}
            for p in cin.get("parameters") or []:
                if p["name"] not in given_p and "value" not in p and "default" not in p:
                    R.error(sw, f"input parameter {p['name']} of {called['name']} is not given")
            for p in given_p - {p["name"] for p in cin.get("parameters") or []}:
                R.error(sw, f"{called['name']} has no input parameter {p}")
            sources = {"git", "s3", "http", "gcs", "oss", "hdfs", "raw", "artifactory", "azure", "from", "fromExpression"}
            for a in cin.get("artifacts") or []:
                if a["name"] not in given_a and not (sources & set(a)) and not a.get("optional"):
                    R.error(sw, f"input artifact {a['name']} of {called['name']} is not given")
            for a in given_a - {a["name"] for a in cin.get("artifacts") or []}:
                R.error(sw, f"{called['name']} has no input artifact {a}")
        for step, what, out in re.findall(r"\{\{steps\.([\w-]+)\.outputs\.(parameters|artifacts|result)\.?([\w-]*)\}\}", text):
            s = step_names.get(step)
            if s is None:
                R.error(tw, f"{{{{steps.{step}...}}}}: no step {step} in this template")
                continue
            called = tmpls.get(s.get("template", ""))
            if called is None:
                continue  # reported above
            if what == "result":
                if "script" not in called and "container" not in called:
                    R.error(tw, f"steps.{step}.outputs.result: {called.get('name')} is not a script or container")
                continue
            have = {x["name"] for x in (called.get("outputs") or {}).get(what) or []}
            if out not in have:
                R.error(tw, f"steps.{step}.outputs.{what}.{out}: template {called.get('name')} has no such output")


def check_argo_commands(doc: dict, where: str, cli: Cli, lpo_images: set[str]) -> None:
    spec = _spec_of(doc)
    for t in spec.get("templates") or []:
        tw = f"{where} template {t['name']}"
        body = t.get("container") or t.get("script")
        if not body:
            continue
        sc = body.get("securityContext") or {}
        if sc.get("allowPrivilegeEscalation") is not False or "ALL" not in ((sc.get("capabilities") or {}).get("drop") or []):
            R.error(tw, "securityContext: allowPrivilegeEscalation false and capabilities.drop [ALL] expected")
        image = body.get("image", "")
        runs_lpo = image == "{{workflow.parameters.image}}" or split_image(image)[0] in lpo_images
        if "script" in t:
            cmd = t["script"].get("command") or []
            if cmd and posixpath.basename(cmd[0]) in ("bash", "sh"):
                bash_syntax(t["script"]["source"], tw)
            calls = lpo_calls_in_script(t["script"]["source"])
        else:
            cmd = t["container"].get("command") or []
            calls = [cmd[1:] + (t["container"].get("args") or [])] if cmd[:1] == ["lpo"] else []
        if calls and not runs_lpo:
            R.error(tw, f"runs lpo, but its image {image!r} is not the lpo image")
        for argv in calls:
            check_lpo_argv(cli, argv, tw)


# --------------------------------------------------------------------------------------------
# Dockerfile


def dockerfile_instructions(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    cur = ""
    for line in text.splitlines():
        s = line.strip()
        if not cur and (not s or s.startswith("#")):
            continue
        if cur and s.startswith("#"):
            continue
        if s.endswith("\\"):
            cur += s[:-1] + " "
            continue
        cur += s
        instr, _, args = cur.partition(" ")
        out.append((instr.upper(), args.strip()))
        cur = ""
    return out


def check_dockerfile(root: Path, cli: Cli, runtime_uids: set[int], lpo_port: str | None) -> None:
    path = root / "Dockerfile"
    where = "Dockerfile"
    if not path.is_file():
        R.error(where, "missing")
        return
    n0 = R.errors
    ins = dockerfile_instructions(path.read_text())
    stages: list[list[tuple[str, str]]] = []
    froms: list[str] = []
    for i, a in ins:
        if i == "FROM":
            stages.append([])
            froms.append(a)
        elif stages:
            stages[-1].append((i, a))
    if len(stages) < 2:
        R.error(where, "expected a multi-stage build (builder and runtime)")
        return
    builder_from, runtime_from = froms[0].split()[0], froms[-1].split()[0]
    mb = re.fullmatch(r"rust:1-(\w+)", builder_from)
    mr = re.fullmatch(r"debian:(\w+)-slim", runtime_from)
    if not mb or mb.group(1) != "bookworm":
        R.error(where, f"builder FROM {builder_from}: rust:1-bookworm expected (Debian 12, as CI)")
    if not mr:
        R.error(where, f"runtime FROM {runtime_from}: debian:<release>-slim expected")
    elif mb and mb.group(1) != mr.group(1):
        R.error(where, f"builder is Debian {mb.group(1)} but runtime is Debian {mr.group(1)}: "
                       "the binary needs the glibc and libstdc++ it was built against")

    # The build commands are the ones README.md and .ci/run use.
    ci = (root / ".ci/run").read_text()
    readme = (root / "README.md").read_text()
    runs = " ; ".join(a for i, a in stages[0] if i == "RUN")
    if not re.search(r"(^|\n)\s*scripts/setup\s*(\n|$)", ci):
        R.error(".ci/run", "no longer runs `scripts/setup`: update the Dockerfile's build stage to match")
    if "scripts/setup" not in readme:
        R.error("README.md", "no longer mentions `scripts/setup`: update the Dockerfile's build stage to match")
    if "--locked" not in ci:
        R.error(".ci/run", "no longer builds with --locked: update the Dockerfile to match")
    if not re.search(r"(^|[;&\s])scripts/setup(\s|$|;|&)", runs):
        R.error(where, "the build stage does not RUN scripts/setup (what .ci/run and README.md run)")
    if not re.search(r"cargo build --release --locked\b", runs):
        R.error(where, "the build stage does not RUN `cargo build --release --locked`")

    final = stages[-1]
    user = [a for i, a in final if i == "USER"]
    if not user:
        R.error(where, "the runtime stage has no USER: it would run as root")
    else:
        uid = user[-1].split(":")[0]
        if not uid.isdigit() or int(uid) == 0:
            R.error(where, f"USER {user[-1]}: give a numeric non-root UID (runAsNonRoot needs a number to check)")
        elif runtime_uids and {int(uid)} != runtime_uids:
            R.error(where, f"USER {uid}, but the deployment files run the image as {sorted(runtime_uids)}")
    ep = [a for i, a in final if i == "ENTRYPOINT"]
    if not ep or json.loads(ep[-1]) not in (["lpo"], ["/usr/local/bin/lpo"]):
        R.error(where, 'ENTRYPOINT ["lpo"] expected (exec form)')
    cmd = [a for i, a in final if i == "CMD"]
    if cmd:
        vals = check_lpo_argv(cli, json.loads(cmd[-1]), f"{where} CMD")
        if vals and vals[""] == "serve" and not vals.get("--addr", "").startswith("0.0.0.0:"):
            R.error(where, "CMD: lpo serve listens on loopback by default; give --addr 0.0.0.0:PORT")
    expose = [a for i, a in final if i == "EXPOSE"]
    if not expose:
        R.error(where, "no EXPOSE")
    elif lpo_port and lpo_port not in expose[-1].split():
        R.error(where, f"EXPOSE {expose[-1]}, but lpo listens on {lpo_port} in the Deployment")
    if any(i == "HEALTHCHECK" for i, _ in final):
        R.note(f"{where}: a HEALTHCHECK is ignored by Kubernetes (it uses the probes)")

    # The bundled configuration: lpo.yaml and every top-level path it names.
    copies = " ".join(a for i, a in final if i in ("COPY", "ADD") and "--from=" not in a)
    manifest = yaml.safe_load((root / "lpo.yaml").read_text())
    needed = {"lpo.yaml"} | {str(v).split("/")[0] for k, v in manifest.items()
                              if k in ("postcodes", "warehouses", "carriers", "rules", "constraints") and v}
    for n in sorted(needed):
        if not re.search(rf"(^|\s){re.escape(n)}/?(\s|$)", copies):
            R.error(where, f"the runtime stage does not COPY {n} (named by lpo.yaml): the image would not run as is")
    if not any(i == "COPY" and "--from=" in a and "lpo" in a for i, a in final):
        R.error(where, "the runtime stage copies no lpo binary from the builder")

    # .dockerignore: target/ and .git out; nothing the build needs.
    di = root / ".dockerignore"
    if not di.is_file():
        R.error(".dockerignore", "missing: the whole target/ folder and .git would be sent to the builder")
    else:
        pats = [p.strip().lstrip("/").rstrip("/") for p in di.read_text().splitlines()
                if p.strip() and not p.strip().startswith("#")]
        for must in ("target", ".git"):
            if not any(fnmatch.fnmatch(must, p) for p in pats):
                R.error(".dockerignore", f"does not exclude {must}")
        cargo = (root / "Cargo.toml").read_text()
        keep = ["Cargo.toml", "Cargo.lock", "src", "crates", "scripts/setup", *sorted(needed)]
        if "[[bench]]" in cargo:
            keep.append("benches")
        for k in keep:
            parts = k.split("/")
            prefixes = ["/".join(parts[: j + 1]) for j in range(len(parts))]
            bad = [p for p in pats if not p.startswith("!") and any(fnmatch.fnmatch(x, p) for x in prefixes)]
            if bad:
                R.error(".dockerignore", f"pattern(s) {bad} exclude {k}, which the build needs")
    if R.errors == n0:
        R.ok(f"docker  Dockerfile  {builder_from} -> {runtime_from}, USER {user[-1]}, "
             "RUN scripts/setup + cargo build --release --locked, as .ci/run and README.md")


# --------------------------------------------------------------------------------------------


def kubectl_compare(d: Path, objs: list[Obj], root: Path) -> None:
    kubectl = shutil.which("kubectl")
    where = rel(d, root)
    if not kubectl:
        R.error(where, "--compare-kubectl: kubectl is not on PATH")
        return
    r = subprocess.run([kubectl, "kustomize", str(d)], capture_output=True, text=True)
    if r.returncode != 0:
        R.error(where, f"kubectl kustomize failed: {r.stderr.strip()}")
        return
    theirs = {(x.get("apiVersion"), x.get("kind"), (x.get("metadata") or {}).get("namespace"),
               x["metadata"]["name"]): x for x in yaml.safe_load_all(r.stdout) if x}
    ours = {(o.doc.get("apiVersion"), o.kind, o.namespace, o.name): o.doc for o in objs}
    for key in sorted(set(theirs) | set(ours), key=str):
        a, b = ours.get(key), theirs.get(key)
        if a != b:
            R.error(where, f"{key}: this renderer and kubectl kustomize differ: {_first_diff(a, b)}")
    if set(theirs) == set(ours) and all(ours[k] == theirs[k] for k in ours):
        version = subprocess.run([kubectl, "version", "--client"], capture_output=True, text=True).stdout
        kv = re.search(r"Kustomize Version: (\S+)", version)
        R.note(f"{where}: identical to `kubectl kustomize` (kustomize {kv.group(1) if kv else '?'}), "
               f"{len(ours)} objects")


def _first_diff(a: Any, b: Any, path: list | None = None) -> str:
    path = path or []
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b), key=str):
            if a.get(k) != b.get(k):
                return _first_diff(a.get(k), b.get(k), path + [k])
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for j, (x, y) in enumerate(zip(a, b)):
            if x != y:
                return _first_diff(x, y, path + [j])
    return f"{jpath(path)}: ours {json.dumps(a)[:200]}, kustomize's {json.dumps(b)[:200]}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--root", type=Path, default=REPO, help="repository to check (default: this one)")
    ap.add_argument("--kubernetes-version", default=DEFAULT_K8S_VERSION)
    ap.add_argument("--compare-kubectl", action="store_true",
                    help="also render with `kubectl kustomize` and fail on any difference")
    args = ap.parse_args()
    root = args.root.resolve()
    schemas = K8sSchemas(args.kubernetes_version)
    print(f"validate-deploy: {root}; Kubernetes {schemas.version} schemas (kubernetes-validate "
          f"{importlib.metadata.version('kubernetes-validate')}, strict), Argo Workflows {argo_api_version()} "
          f"(hera {importlib.metadata.version('hera')}, unknown fields forbidden)")
    try:
        cli = read_cli(root)
    except (OSError, ValueError) as e:
        print(f"validate-deploy: cannot read lpo's flags from crates/lpo-cli/src: {e}")
        return 2

    k8s_root = root / "deploy/k8s"
    kdirs = sorted({p.parent for p in k8s_root.rglob("kustomization.yaml")})
    if not kdirs:
        R.error("deploy/k8s", "no kustomization.yaml")
    kz = Kustomize(root, schemas)
    lpo_images: set[str] = {"lpo"}
    runtime_uids: set[int] = set()
    lpo_port: str | None = None
    for d in kdirs:  # images: first, so that the checks know which containers run lpo
        k = load_docs(d / "kustomization.yaml")[0] or {}
        lpo_images |= {i.get("newName", i["name"]) for i in k.get("images") or [] if i.get("name") == "lpo"}
    for d in kdirs:
        where = rel(d, root)
        try:
            objs = kz.build(d)
        except (KustomizeError, yaml.YAMLError, OSError) as e:
            R.error(where, f"cannot render: {e}")
            continue
        n0 = R.errors
        for o in objs:
            errs = schemas.errors(o.doc)
            for e in errs:
                R.error(o.where(root), e)
            if not errs:
                R.ok(f"k8s {schemas.version} strict  {where}  {o.label()}")
        if R.errors == n0:
            check_k8s(objs, root, cli, lpo_images, where)
        if args.compare_kubectl:
            kubectl_compare(d, objs, root)
        for o in objs:
            for c in _containers(o.doc):
                if _is_lpo(c, lpo_images):
                    uid = (c.get("securityContext") or {}).get("runAsUser")
                    if uid is not None:
                        runtime_uids.add(uid)
                    for p in c.get("ports") or []:
                        lpo_port = str(p["containerPort"])

    argo_files = sorted((root / "deploy/argo").glob("*.y*ml"))
    if not argo_files:
        R.error("deploy/argo", "no Argo Workflows files")
    templates: dict[str, dict] = {}
    for f in argo_files:
        try:
            for doc in load_docs(f):
                if isinstance(doc, dict) and doc.get("kind") == "WorkflowTemplate":
                    templates[(doc.get("metadata") or {}).get("name")] = doc
                    uid = ((doc.get("spec") or {}).get("securityContext") or {}).get("runAsUser")
                    if uid is not None:
                        runtime_uids.add(uid)
        except yaml.YAMLError:
            pass  # reported by check_argo_file
    for f in argo_files:
        check_argo_file(f, root, cli, templates, lpo_images)

    check_dockerfile(root, cli, runtime_uids, lpo_port)

    if R.errors:
        print(f"validate-deploy: FAILED: {R.errors} error(s); {R.objects} object(s) passed")
        return 1
    print(f"validate-deploy: all {R.objects} object(s) valid")
    return 0


if __name__ == "__main__":
    sys.exit(main())
