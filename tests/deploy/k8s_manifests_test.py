#!/usr/bin/env python3
"""k8s_manifests_test.py: the example manifests in deploy/k8s parse and keep the promises of
docs/scaling.md: Guaranteed QoS (requests == limits, integer cpus) for the feed and strategy
pods, hugepages requested by the feed, no privileged container, only the documented
capabilities, the threat model of docs/operations.md (the channel directory a pre-created
hostPath of type Directory, shared read-only with strategies, which run as non-root members of
the channels' group; the feed's runAsGroup is that group; no world-writable hostPath), and the
feed config template valid once its placeholders are filled (checked by `ichannel-feed --check`
when the daemon binary is given; the host paths it names are replaced by a temporary directory
set up like the host, so the check does not depend on this machine).
Usage: k8s_manifests_test.py DEPLOY_K8S_DIR [ICHANNEL_FEED]. Exit 77 when PyYAML is missing."""
import glob
import os
import shutil
import subprocess
import sys
import tempfile

try:
    import yaml
except ImportError:
    print("SKIP PyYAML not installed")
    sys.exit(77)

ALLOWED_CAPS = {"IPC_LOCK", "NET_ADMIN", "NET_RAW", "SYS_RAWIO"}
WORLD_WRITABLE = {"/tmp", "/var/tmp", "/dev/shm", "/dev/hugepages", "/dev/mqueue"}
failures = []


def check(ok, what):
    if not ok:
        failures.append(what)
        print("FAIL " + what)


def pod_spec(doc):
    return doc["spec"]["template"]["spec"]


def main():
    k8s_dir = sys.argv[1]
    feed_exe = sys.argv[2] if len(sys.argv) > 2 else ""
    docs = {}
    for path in sorted(glob.glob(os.path.join(k8s_dir, "*.yaml"))):
        with open(path) as f:
            for doc in yaml.safe_load_all(f):
                if doc:
                    check("apiVersion" in doc and "kind" in doc, f"{path}: apiVersion and kind")
                    name = doc.get("metadata", {}).get("name", doc["kind"])
                    docs[(doc["kind"], name)] = doc
    print(f"ok   {len(docs)} documents parsed")

    for key in [("DaemonSet", "ichannel-feed"), ("Deployment", "strategy-momentum")]:
        check(key in docs, f"{key} present")
        if key not in docs:
            continue
        spec = pod_spec(docs[key])
        channel_volumes = {v["name"] for v in spec["volumes"]
                           if v.get("hostPath", {}).get("path") == "/dev/hugepages/ichannel"}
        check(channel_volumes, f"{key}: channel dir is a hostPath volume")
        for v in spec["volumes"]:
            host = v.get("hostPath")
            if host is None:
                continue
            check(host.get("type") == "Directory",
                  f"{key}: hostPath {host.get('path')} must exist (type Directory, never created by the kubelet)")
            check(host.get("path") not in WORLD_WRITABLE,
                  f"{key}: hostPath {host.get('path')} is world-writable on the host")
        for c in spec["containers"]:
            where = f"{key[1]}/{c['name']}"
            res = c["resources"]
            check(res.get("requests") == res.get("limits"), f"{where}: requests == limits")
            sc = c.get("securityContext", {})
            check(not sc.get("privileged", False), f"{where}: not privileged")
            check(sc.get("allowPrivilegeEscalation") is False, f"{where}: no privilege escalation")
            caps = sc.get("capabilities", {})
            check(caps.get("drop") == ["ALL"], f"{where}: drops all capabilities")
            check(set(caps.get("add", [])) <= ALLOWED_CAPS, f"{where}: only documented capabilities")
            for m in c.get("volumeMounts", []):
                if m["name"] in channel_volumes and (key[0] == "Deployment" or c["name"] != "feed"):
                    check(m.get("readOnly") is True, f"{where}: channel dir mounted read-only")
        main_container = spec["containers"][0]
        cpu = str(main_container["resources"]["limits"]["cpu"])
        check(cpu.isdigit(), f"{key[1]}: integer cpu (exclusive cores under the static CPU manager)")

    feed_pod = pod_spec(docs[("DaemonSet", "ichannel-feed")])
    strategy_pod = pod_spec(docs[("Deployment", "strategy-momentum")])
    feed_sc = feed_pod.get("securityContext", {})
    strategy_sc = strategy_pod.get("securityContext", {})
    check(strategy_sc.get("runAsNonRoot") is True and strategy_sc.get("runAsUser", 0) != 0,
          "strategy runs as a non-root user")
    check("runAsGroup" in feed_sc and feed_sc["runAsGroup"] in strategy_sc.get("supplementalGroups", []),
          "feed's group (the channel files' group) is one of the strategy's supplementalGroups")
    check(strategy_sc.get("runAsGroup") != feed_sc.get("runAsGroup"),
          "strategy's primary group is not the channels' group (member, not owner)")

    feed = pod_spec(docs[("DaemonSet", "ichannel-feed")])["containers"][0]
    check("hugepages-2Mi" in feed["resources"]["limits"], "feed requests hugepages-2Mi")
    check(any(k.endswith("ichannel_vfio") for k in feed["resources"]["limits"]),
          "feed requests an SR-IOV VF")
    kubelet = docs.get(("KubeletConfiguration", "KubeletConfiguration"), {})
    check(kubelet.get("cpuManagerPolicy") == "static", "kubelet: static CPU manager")
    check(kubelet.get("topologyManagerPolicy") == "single-numa-node", "kubelet: single-numa-node")

    template = docs[("ConfigMap", "ichannel-feed")]["data"]["feed.yaml.in"]
    for placeholder in ("@PCI_ADDRESS@", "@MAIN_CPU@", "@RX_CPU@"):
        check(placeholder in template, f"config template has {placeholder}")
    if feed_exe:
        check("/dev/hugepages/ichannel" in template, "config template names the channel dir")
        host = tempfile.mkdtemp(prefix="ichannel-k8s-")
        os.mkdir(os.path.join(host, "channels"), 0o750)
        rendered = (template.replace("@PCI_ADDRESS@", "0000:3b:02.0")
                    .replace("@MAIN_CPU@", "2").replace("@RX_CPU@", "3")
                    .replace("/dev/hugepages/ichannel", os.path.join(host, "channels")))
        config = os.path.join(host, "feed.yaml")
        with open(config, "w") as f:
            f.write(rendered)
        try:
            run = subprocess.run([feed_exe, "--check", "--config", config],
                                 capture_output=True, text=True, timeout=30)
        finally:
            shutil.rmtree(host)
        check(run.returncode == 0, "rendered config passes ichannel-feed --check: "
              + run.stdout + run.stderr)
        print("ok   rendered feed config checked by ichannel-feed --check")

    if failures:
        print(f"{len(failures)} check(s) failed")
        return 1
    print("ok   k8s manifests")
    return 0


if __name__ == "__main__":
    sys.exit(main())
