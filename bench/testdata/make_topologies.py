#!/usr/bin/env python3
"""Makes the hwloc-exported test topologies of bench/testdata/ (the ones this script lists).

Usage: make_topologies.py [--out DIR] [--check] [NAME...]

Each topology starts as one of hwloc's synthetic descriptions ("pack:2 numa:2 core:2 pu:2"), exported by
lstopo; this script adds what a synthetic description cannot say (PCI host bridges, switch ports, GPUs and
other devices with their link speeds, CUDA and other OS devices, NUMA nodes of GPU memory, a latency matrix,
the allowed cpuset and nodeset of a restricted process), then lets lstopo read the result and export it
again, so that every file is written by hwloc itself. A restricted topology is exported the way a restricted
process would: with `lstopo --disallowed` (the disallowed resources kept and marked), or, for
restricted_plain_export, without it (they are left out). Last, each file must load with hwloc's built-in XML
parser (HWLOC_LIBXML_IMPORT=0), the only one a machine without libhwloc-plugins has.

Needs lstopo-no-graphics (Debian: hwloc) and the libxml2 plugin (libhwloc-plugins) to read the intermediate
file. --check makes the files in a temporary folder and compares them with the committed ones (exit 1 when
they differ; the hwloc version must be the one that wrote them, named in each file). The expected decisions
(NAME.expect.json) are written by hand, not here.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

GEN4_X16 = 31.507692  # GB/s per direction: 16 GT/s x 16 lanes x 128/130 / 8
GEN5_X16 = 63.015385
GEN4_X8 = 15.753846
GEN3_X8 = 7.876923
GEN3_X16 = 15.753846


def dev(busid, cls, ids, speed, osdevs=(), infos=()):
    """A PCI function: busid "0000:18:00.0", class "0302", ids "10de:2330 10de:16c1 a1"."""
    return {"kind": "dev", "busid": busid, "cls": cls, "ids": ids, "speed": speed, "osdevs": list(osdevs),
            "infos": list(infos)}


def gpu(busid, cuda=None, speed=GEN4_X16, model="NVIDIA H100 80GB HBM3", more=()):
    """An NVIDIA 3D controller; cuda=N gives it the OS device cudaN that hwloc's CUDA plugin makes."""
    osdevs = list(more)
    if cuda is not None:
        osdevs.insert(0, osdev("cuda%d" % cuda, 5, "CUDA", [("Backend", "CUDA"), ("GPUModel", model)]))
    return dev(busid, "0302", "10de:2330 10de:16c1 a1", speed, osdevs)


def osdev(name, osdev_type, subtype, infos=()):
    """osdev_type: 1 GPU (DRM, NVML), 2 network, 5 co-processor (CUDA)."""
    return {"name": name, "type": osdev_type, "subtype": subtype, "infos": list(infos)}


def port(busid, sec, sub, speed, children, ids="1000:c030 1000:a064 b0"):
    """A PCI-to-PCI bridge (a switch port) at busid, with secondary..subordinate buses below it."""
    return {"kind": "port", "busid": busid, "sec": sec, "sub": sub, "speed": speed, "children": children,
            "ids": ids}


def host(domain, sec, sub, children):
    return {"kind": "host", "domain": domain, "sec": sec, "sub": sub, "children": children}


def numa(os_index, subtype=None, memory=17179869184):
    return {"kind": "numa", "os_index": os_index, "subtype": subtype, "memory": memory}


def switch_of_gpus(domain, bus, n, speed=GEN4_X16, first_cuda=None):
    """A host bridge with a switch (upstream port at bus, downstream ports on bus+1) and n GPUs below."""
    ports = []
    for k in range(n):
        gbus = bus + 2 + k
        cuda = None if first_cuda is None else first_cuda + k
        ports.append(port("%04x:%02x:%02x.0" % (domain, bus + 1, k), gbus, gbus, speed,
                          [gpu("%04x:%02x:00.0" % (domain, gbus), cuda=cuda, speed=speed)]))
    last = bus + 1 + n
    return host(domain, bus, last, [port("%04x:%02x:00.0" % (domain, bus), bus + 1, last, speed, ports)])


def latency(n_per_pack, packs, near=10, same=12, far=20):
    """A latency matrix of packs x n_per_pack nodes (OS indexes in order)."""
    nodes = packs * n_per_pack
    return [[near if i == j else same if i // n_per_pack == j // n_per_pack else far for j in range(nodes)]
            for i in range(nodes)]


TOPOLOGIES = {
    "restricted_snc_4gpu": {
        "synthetic": "pack:2 numa:2 core:2 pu:2",
        "about": "2 packages x 2 sub-NUMA nodes x 2 cores x 2 PUs; a process allowed cpus 5-7 and nodes 0-1",
        "io": [
            (("Package", 0), switch_of_gpus(0, 0x16, 1, first_cuda=0)),           # 0000:18:00.0 near 0,1
            (("Group0", 1), switch_of_gpus(0, 0x39, 1, first_cuda=1, speed=GEN3_X8)),  # 0000:3b:00.0 near 1
            (("Group0", 2), switch_of_gpus(0, 0x84, 1, first_cuda=2)),            # 0000:86:00.0 near 2
            (("Package", 1), switch_of_gpus(0, 0xad, 1, first_cuda=3, speed=GEN5_X16)),  # 0000:af:00.0 near 2,3
        ],
        "latency": latency(2, 2, far=21),
        "allowed_cpus": [5, 6, 7],
        "allowed_nodes": [0, 1],
        "disallowed": True,
    },
    "restricted_plain_export": {
        "synthetic": "pack:2 numa:2 core:2 pu:2",
        "about": "restricted_snc_4gpu's machine, a process allowed package 0 only, exported without --disallowed",
        "io": [
            (("Package", 0), switch_of_gpus(0, 0x16, 1, first_cuda=0)),
            (("Group0", 1), switch_of_gpus(0, 0x39, 1, first_cuda=1, speed=GEN3_X8)),
            (("Group0", 2), switch_of_gpus(0, 0x84, 1, first_cuda=2)),
            (("Package", 1), switch_of_gpus(0, 0xad, 1, first_cuda=3, speed=GEN5_X16)),
        ],
        "latency": latency(2, 2, far=21),
        "allowed_cpus": list(range(0, 8)),
        "allowed_nodes": [0, 1],
        "disallowed": False,
    },
    "mixed_cuda_osdev": {
        "synthetic": "pack:2 numa:1 core:4 pu:1",
        "about": "5 NVIDIA GPUs, 2 with a cudaN OS device (cuda2, cuda0) and 3 without; an AMD GPU, an NVIDIA "
                 "audio function and an NVSwitch-like bridge that are not CUDA GPUs",
        "io": [
            (("Package", 0), host(0, 0x17, 0x17, [
                gpu("0000:17:00.0", more=[osdev("card1", 1, "DRM"), osdev("nvml1", 1, "NVML")]),
                dev("0000:17:00.1", "0403", "10de:22ba 10de:16c1 a1", GEN4_X16)])),
            (("Package", 0), switch_of_gpus(0, 0x38, 1, first_cuda=2)),            # 0000:3a:00.0 cuda2
            (("Package", 0), host(0, 0x50, 0x50, [
                dev("0000:50:00.0", "0380", "1002:740f 1002:0c34 02", GEN4_X16, [osdev("card2", 1, "DRM")])])),
            (("Package", 1), host(0, 0x86, 0x86, [gpu("0000:86:00.0")])),
            (("Package", 1), switch_of_gpus(0, 0xad, 1, first_cuda=0)),            # 0000:af:00.0 cuda0
            (("Package", 1), host(0, 0xc0, 0xc0, [dev("0000:c0:00.0", "0680", "10de:22a3 10de:1796 a1", GEN4_X8)])),
            (("Package", 1), host(0, 0xd8, 0xd8, [gpu("0000:d8:00.0", speed=GEN3_X16)])),
        ],
    },
    "bus_order_bridges": {
        "synthetic": "pack:2 numa:1 core:2 pu:1",
        "about": "4 GPUs without CUDA OS devices whose tree order is not PCI bus order: a second PCI domain "
                 "under package 0, bus 0x15 under package 0 before buses 0x13-0x14 under package 1, and a "
                 "switch whose downstream port to bus 0x14 comes before the one to bus 0x13",
        "io": [
            (("Package", 0), host(0, 0x14, 0x15, [port("0000:14:00.0", 0x15, 0x15, GEN4_X16,
                                                       [gpu("0000:15:00.0")])])),
            (("Package", 0), host(1, 0x01, 0x02, [port("0001:01:00.0", 0x02, 0x02, GEN4_X16,
                                                       [gpu("0001:02:00.0")])])),
            (("Package", 1), host(0, 0x11, 0x14, [port("0000:11:00.0", 0x12, 0x14, GEN4_X8, [
                port("0000:12:01.0", 0x14, 0x14, GEN4_X16, [gpu("0000:14:00.0")]),
                port("0000:12:00.0", 0x13, 0x13, GEN4_X16, [gpu("0000:13:00.0")])])])),
        ],
    },
    "many_gpus_40": {
        "synthetic": "pack:2 numa:1 core:4 pu:1",
        "about": "40 GPUs (more than the 32 an earlier zbuf-bench kept): per package 5 host bridges, each a "
                 "switch with 4 GPUs; no CUDA OS devices",
        "io": [(("Package", p), switch_of_gpus(0, 0x10 + 0x80 * p + 0x10 * s, 4)) for p in range(2)
               for s in range(5)],
    },
    "many_nodes_70": {
        "synthetic": "pack:2 numa:35 core:2 pu:1",
        "about": "70 NUMA nodes (more than the 64 an earlier zbuf-bench kept), two cores each; a GPU on the last "
                 "node and one attached to package 0 as a whole",
        "io": [
            (("Package", 0), host(0, 0x01, 0x01, [gpu("0000:01:00.0", cuda=0)])),
            (("Group0", 69), host(0, 0xc1, 0xc1, [gpu("0000:c1:00.0", cuda=1)])),
        ],
    },
    "gpu_memory_nodes": {
        "synthetic": "pack:2 numa:1(indexes=0,8) core:2 pu:4",
        "about": "a POWER9-like machine: NUMA nodes 0 and 8 (sparse OS indexes), SMT4, and each GPU's memory "
                 "exposed as a NUMA node (subtype GPUMemory, 252-255) attached to its package, at latency 80",
        "io": [
            (("Package", 0), numa(252, "GPUMemory")),
            (("Package", 0), numa(253, "GPUMemory")),
            (("Package", 1), numa(254, "GPUMemory")),
            (("Package", 1), numa(255, "GPUMemory")),
            (("Package", 0), host(4, 0x03, 0x04, [gpu("0004:04:00.0", cuda=0, model="Tesla V100-SXM2-16GB"),
                                                 gpu("0004:05:00.0", cuda=1, model="Tesla V100-SXM2-16GB")])),
            (("Package", 1), host(0x35, 0x03, 0x04, [gpu("0035:03:00.0", cuda=2, model="Tesla V100-SXM2-16GB"),
                                                    gpu("0035:04:00.0", cuda=3, model="Tesla V100-SXM2-16GB")])),
        ],
        "latency_nodes": [0, 8, 252, 253, 254, 255],
        "latency": [[10, 40, 80, 80, 80, 80], [40, 10, 80, 80, 80, 80], [80, 80, 10, 80, 80, 80],
                    [80, 80, 80, 10, 80, 80], [80, 80, 80, 80, 10, 80], [80, 80, 80, 80, 80, 10]],
    },
    "no_nvidia_gpu": {
        "synthetic": "pack:1 numa:1 core:2 pu:1",
        "about": "PCI devices but no NVIDIA GPU: a network card and an AMD GPU",
        "io": [
            (("Package", 0), host(0, 0x41, 0x41, [dev("0000:41:00.0", "0200", "15b3:1017 15b3:0020 00", GEN3_X16,
                                                      [osdev("eth0", 2, None, [("Address", "00:11:22:33:44:55")])])])),
            (("Package", 0), host(0, 0x61, 0x61, [dev("0000:61:00.0", "0380", "1002:740f 1002:0c34 02", GEN4_X16)])),
        ],
    },
}


def bitmap(bits):
    """hwloc's bitmap syntax: 32-bit words, most significant first, "0x000000ff,0x00000001"."""
    value = 0
    for b in bits:
        value |= 1 << b
    words = []
    while True:
        words.append("0x%08x" % (value & 0xffffffff))
        value >>= 32
        if not value:
            break
    return ",".join(reversed(words))


def set_bits(text):
    value = 0
    for word in (text or "0x0").split(","):
        value = (value << 32) | (int(word, 16) if word else 0)
    return {i for i in range(value.bit_length()) if value >> i & 1}


class Maker:
    def __init__(self, root):
        self.root = root
        self.gp = 10000

    def gp_index(self):
        self.gp += 1
        return str(self.gp)

    def add_osdev(self, parent, o):
        e = ET.SubElement(parent, "object", type="OSDev", gp_index=self.gp_index(), name=o["name"])
        if o["subtype"]:
            e.set("subtype", o["subtype"])
        e.set("osdev_type", str(o["type"]))
        for k, v in o["infos"]:
            ET.SubElement(e, "info", name=k, value=v)

    def add_io(self, parent, spec, depth=0):
        if spec["kind"] == "host":
            e = ET.SubElement(parent, "object", type="Bridge", gp_index=self.gp_index(), bridge_type="0-1",
                              depth="0", bridge_pci="%04x:[%02x-%02x]" % (spec["domain"], spec["sec"], spec["sub"]))
            for c in spec["children"]:
                self.add_io(e, c, 1)
        elif spec["kind"] == "port":
            ids = spec["ids"].split()
            e = ET.SubElement(parent, "object", type="Bridge", gp_index=self.gp_index(), bridge_type="1-1",
                              depth=str(depth), bridge_pci="%s:[%02x-%02x]" % (spec["busid"][:4], spec["sec"],
                                                                               spec["sub"]),
                              pci_busid=spec["busid"], pci_type="0604 [%s] [%s] %s" % tuple(ids),
                              pci_link_speed="%f" % spec["speed"])
            for c in spec["children"]:
                self.add_io(e, c, depth + 1)
        else:
            ids = spec["ids"].split()
            e = ET.SubElement(parent, "object", type="PCIDev", gp_index=self.gp_index(), pci_busid=spec["busid"],
                              pci_type="%s [%s] [%s] %s" % (spec["cls"], ids[0], ids[1], ids[2]),
                              pci_link_speed="%f" % spec["speed"])
            for k, v in spec["infos"]:
                ET.SubElement(e, "info", name=k, value=v)
            for o in spec["osdevs"]:
                self.add_osdev(e, o)

    def add_numa(self, parent, ancestors, spec):
        cpuset = parent.get("cpuset")
        e = ET.Element("object", type="NUMANode", os_index=str(spec["os_index"]), cpuset=cpuset,
                       complete_cpuset=parent.get("complete_cpuset"), nodeset=bitmap([spec["os_index"]]),
                       complete_nodeset=bitmap([spec["os_index"]]), gp_index=self.gp_index(),
                       local_memory=str(spec["memory"]))
        if spec["subtype"]:
            e.set("subtype", spec["subtype"])
        ET.SubElement(e, "page_type", size="4096", count=str(spec["memory"] // 4096))
        last_numa = max([i for i, c in enumerate(parent) if c.get("type") == "NUMANode"], default=-1)
        parent.insert(last_numa + 1, e)
        # Its node is in the nodeset of every object above it, and of every object below its parent.
        for o in ancestors + [d for d in parent.iter("object") if d is not e and d.get("nodeset") is not None]:
            for attr in ("nodeset", "complete_nodeset", "allowed_nodeset"):
                if o.get(attr) is not None:
                    o.set(attr, bitmap(set_bits(o.get(attr)) | {spec["os_index"]}))


def find(root, selector):
    """(type, n): the n-th object of that type in document order, with the list of its ancestors."""
    want, n = selector
    found = []

    def walk(e, path):
        for c in e.findall("object"):
            if c.get("type") == want or (want.startswith("Group") and c.get("type") == "Group"):
                found.append((c, path))
            walk(c, path + [c])

    walk(root, [])
    return found[n]


def make(name, spec, out_dir, work):
    base = os.path.join(work, name + ".synthetic.xml")
    subprocess.run(["lstopo-no-graphics", "--input", spec["synthetic"], "--of", "xml", "-f", base], check=True)
    tree = ET.parse(base)
    top = tree.getroot()
    machine = top.find("object")
    m = Maker(top)
    for selector, what in spec["io"]:
        parent, ancestors = find(top, selector)
        if what["kind"] == "numa":
            m.add_numa(parent, [machine] + [a for a in ancestors if a is not machine] + [parent], what)
        else:
            m.add_io(parent, what)
    # Infos come before an object's children.
    for info in machine.findall("info"):
        if info.get("name") in ("Backend", "SyntheticDescription", "ProcessName"):
            machine.remove(info)
    machine.insert(0, ET.Element("info", name="Backend", value="zbuf-bench testdata (bench/testdata/make_topologies.py)"))
    machine.insert(1, ET.Element("info", name="Description", value=spec["about"]))
    if "allowed_cpus" in spec:
        machine.set("allowed_cpuset", bitmap(spec["allowed_cpus"]))
    if "allowed_nodes" in spec:
        machine.set("allowed_nodeset", bitmap(spec["allowed_nodes"]))
    if "latency" in spec:
        nodes = spec.get("latency_nodes") or sorted(int(o.get("os_index")) for o in top.iter("object")
                                                    if o.get("type") == "NUMANode")
        d = ET.Element("distances2", type="NUMANode", nbobjs=str(len(nodes)), kind="5", name="NUMALatency",
                       indexing="os")
        text = " ".join(str(i) for i in nodes) + " "
        ET.SubElement(d, "indexes", length=str(len(text))).text = text
        values = " ".join(str(v) for row in spec["latency"] for v in row) + " "
        ET.SubElement(d, "u64values", length=str(len(values))).text = values
        top.insert(list(top).index(machine) + 1, d)
    edited = os.path.join(work, name + ".edited.xml")
    tree.write(edited, encoding="UTF-8", xml_declaration=True)
    out = os.path.join(out_dir, name + ".xml")
    cmd = ["lstopo-no-graphics", "--input", edited, "--if", "xml", "--whole-io"]
    if spec.get("disallowed", True):
        cmd.append("--disallowed")
    # libxml2 says "Loading XML topology without DTD" on stderr: shown only when the export fails.
    run = subprocess.run(cmd + ["--of", "xml", "-f", out], env=dict(os.environ, HWLOC_LIBXML_IMPORT="1"),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if run.returncode != 0:
        sys.exit("make_topologies: %s failed:\n%s" % (" ".join(cmd), run.stderr))
    check = subprocess.run(["lstopo-no-graphics", "--input", out, "--if", "xml", "--whole-io", "--disallowed"],
                           env=dict(os.environ, HWLOC_LIBXML_IMPORT="0"), stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
    if check.returncode != 0 or check.stderr.strip():
        sys.exit("make_topologies: %s does not load cleanly with hwloc's built-in parser:\n%s" % (out, check.stderr))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)), help="folder (default: here)")
    ap.add_argument("--check", action="store_true", help="compare with the committed files instead")
    ap.add_argument("names", nargs="*", help="topologies to make (default: all)")
    opt = ap.parse_args()
    names = opt.names or list(TOPOLOGIES)
    unknown = [n for n in names if n not in TOPOLOGIES]
    if unknown:
        sys.exit("make_topologies: no topology named %s (known: %s)" % (", ".join(unknown), ", ".join(TOPOLOGIES)))
    differ = []
    with tempfile.TemporaryDirectory() as work:
        out_dir = work if opt.check else opt.out
        for name in names:
            out = make(name, TOPOLOGIES[name], out_dir, work)
            if opt.check:
                committed = os.path.join(opt.out, name + ".xml")
                with open(out) as a, open(committed) as b:
                    if a.read() != b.read():
                        differ.append(name)
            else:
                print(out)
    if differ:
        sys.exit("make_topologies: differ from the committed files: %s" % ", ".join(differ))
    return 0


if __name__ == "__main__":
    sys.exit(main())
