# Dockerfile: ichannel appliance image. Two stages: build with meson on Debian 12, run on a slim
# Debian 12 with only the runtime libraries (DPDK EAL/ethdev/mempool + PMD plugins, yaml-cpp,
# spdlog/fmt, libpcap, libnuma) and the installed binaries.
#
#   docker build -t ichannel .
#   docker run (flags: docs/operations.md, "Running in a container") ichannel
#
# The image is portable across x86-64 hosts (-Dmarch=x86-64-v2). For one known CPU generation,
# build with --build-arg MARCH=x86-64-v3 (or native on the target host).

ARG DEBIAN_IMAGE=debian:bookworm-slim

# ---- build ---------------------------------------------------------------------------------------
FROM ${DEBIAN_IMAGE} AS build
ARG MARCH=x86-64-v2
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      g++ meson ninja-build pkg-config \
      libboost-dev libdpdk-dev libnuma-dev libpcap-dev libyaml-cpp-dev libspdlog-dev libfmt-dev libcli11-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY meson.build meson_options.txt LICENSE ./
COPY ring ring
COPY config config
COPY app app
COPY deploy deploy
COPY docs docs
RUN meson setup /build --prefix=/usr/local --buildtype=release -Dmarch=${MARCH} \
      -Ddaemon=enabled -Dtests=disabled -Dbenchmarks=disabled -Dfuzz=false \
 && meson compile -C /build \
 && DESTDIR=/install meson install -C /build --no-rebuild

# ---- runtime -------------------------------------------------------------------------------------
FROM ${DEBIAN_IMAGE} AS runtime
# DPDK 22.11 runtime: the libraries the binaries link, the bus and mempool drivers the EAL loads
# as plugins (/usr/lib/x86_64-linux-gnu/dpdk/pmds-23.0), and the PMDs: pcap / af_packet / af_xdp /
# tap for virtual devices, ice / i40e / ixgbe (vfio-pci) and mlx5 (bifurcated) for real NICs.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      librte-eal23 librte-ethdev23 librte-mbuf23 librte-mempool23 librte-mempool-ring23 \
      librte-bus-pci23 librte-bus-vdev23 \
      librte-net-pcap23 librte-net-af-packet23 librte-net-af-xdp23 librte-net-tap23 \
      librte-net-ice23 librte-net-i40e23 librte-net-ixgbe23 librte-net-mlx5-23 \
      libyaml-cpp0.7 libspdlog1.10 libfmt9 libpcap0.8 libnuma1 \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /install/usr/local/ /usr/local/
# Fail the build if meson did not install one of the binaries the image is for.
RUN for exe in ichannel-feed ichannel-tap ichannel-stat ichannel-sim ichannel-check-host ichannel-decode ichannel-book; do \
      test -x "/usr/local/bin/${exe}" || { echo "missing ${exe}"; exit 1; }; \
    done \
 && test -x /usr/local/sbin/ichannel-setup-hugepages \
 && ldconfig
# Config is mounted read-only here; channels live in the hugetlbfs mount shared with strategies.
VOLUME ["/dev/hugepages"]
WORKDIR /var/lib/ichannel
ENTRYPOINT ["/usr/local/bin/ichannel-feed"]
CMD ["--config", "/etc/ichannel/feed.yaml"]
