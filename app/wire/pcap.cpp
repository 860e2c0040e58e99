// wire/pcap.cpp: libpcap wrappers, see pcap.hpp.
#include "wire/pcap.hpp"

#include <fcntl.h>
#include <pcap/pcap.h>
#include <unistd.h>

#include <cstdio>
#include <stdexcept>

#include <ichannel/segment_file.hpp>

namespace ichannel::wire {

PcapWriter::PcapWriter(const std::string& path, PcapPrecision precision)
    : path_(path), precision_(precision) {
  pcap_ = pcap_open_dead_with_tstamp_precision(
      DLT_EN10MB, 65535,
      precision == PcapPrecision::kNano ? PCAP_TSTAMP_PRECISION_NANO : PCAP_TSTAMP_PRECISION_MICRO);
  if (pcap_ == nullptr) throw std::runtime_error(path + ": pcap_open_dead failed");
  auto fd = open_regular_file(path, O_WRONLY | O_CREAT | O_TRUNC);
  std::FILE* file = fd ? ::fdopen(*fd, "wb") : nullptr;
  if (fd && file == nullptr) ::close(*fd);
  dumper_ = file != nullptr ? pcap_dump_fopen(pcap_, file) : nullptr;
  if (dumper_ == nullptr) {
    if (file != nullptr) std::fclose(file);
    const std::string why = fd ? std::string(pcap_geterr(pcap_)) : fd.error().message;
    pcap_close(pcap_);
    pcap_ = nullptr;
    throw std::runtime_error(path + ": cannot create capture: " + why);
  }
}

PcapWriter::~PcapWriter() {
  close();
}

void PcapWriter::close() {
  if (dumper_ != nullptr) {
    pcap_dump_close(dumper_);
    dumper_ = nullptr;
  }
  if (pcap_ != nullptr) {
    pcap_close(pcap_);
    pcap_ = nullptr;
  }
}

void PcapWriter::write(std::span<const std::uint8_t> frame, std::uint64_t epoch_ns) {
  if (dumper_ == nullptr) throw std::runtime_error(path_ + ": write after close");
  pcap_pkthdr h{};
  h.ts.tv_sec = static_cast<time_t>(epoch_ns / 1'000'000'000);
  const std::uint64_t fraction = epoch_ns % 1'000'000'000;  // tv_usec holds ns in a nano file
  h.ts.tv_usec =
      static_cast<suseconds_t>(precision_ == PcapPrecision::kNano ? fraction : fraction / 1000);
  h.caplen = static_cast<bpf_u_int32>(frame.size());
  h.len = h.caplen;
  pcap_dump(reinterpret_cast<u_char*>(dumper_), &h, frame.data());
  ++frames_;
}

std::uint64_t read_pcap(
    const std::string& path,
    const std::function<void(std::span<const std::uint8_t>, std::uint64_t)>& on_frame) {
  char err[PCAP_ERRBUF_SIZE] = {};
  auto fd = open_regular_file(path, O_RDONLY);
  if (!fd) throw std::runtime_error(path + ": cannot open capture: " + fd.error().message);
  std::FILE* file = ::fdopen(*fd, "rb");
  if (file == nullptr) {
    ::close(*fd);
    throw std::runtime_error(path + ": cannot open capture: fdopen failed");
  }
  pcap_t* p = pcap_fopen_offline_with_tstamp_precision(file, PCAP_TSTAMP_PRECISION_NANO, err);
  if (p == nullptr) {
    std::fclose(file);
    throw std::runtime_error(path + ": cannot open capture: " + err);
  }
  if (const int link = pcap_datalink(p); link != DLT_EN10MB) {
    pcap_close(p);
    throw std::runtime_error(path + ": not an Ethernet capture (link type " + std::to_string(link) +
                             ")");
  }
  std::uint64_t n = 0;
  pcap_pkthdr* h = nullptr;
  const u_char* data = nullptr;
  int rc = 0;
  while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
    const std::uint64_t ns = static_cast<std::uint64_t>(h->ts.tv_sec) * 1'000'000'000 +
                             static_cast<std::uint64_t>(h->ts.tv_usec);
    on_frame(std::span<const std::uint8_t>(data, h->caplen), ns);
    ++n;
  }
  if (rc == -1) {
    const std::string why = pcap_geterr(p);
    pcap_close(p);
    throw std::runtime_error(path + ": read error: " + why);
  }
  pcap_close(p);
  return n;
}

}  // namespace ichannel::wire
