// wire/pcap.hpp: pcap files through libpcap: a writer (nanosecond or microsecond) and a reader.
//
// Contract
// - PcapWriter creates a DLT_EN10MB capture with the nanosecond magic (0xa1b23c4d; or, when
//   asked, the classic microsecond magic 0xa1b2c3d4) via pcap_open_dead_with_tstamp_precision +
//   pcap_dump_open; write() appends one frame stamped with ns since the Unix epoch (truncated to
//   the microsecond in a microsecond file). Errors throw std::runtime_error naming the file.
// - read_pcap() reads any Ethernet capture (micro or nanosecond magic) and calls back per frame
//   with its timestamp in ns since the epoch.
// - Cold-path tool code. Not thread-safe; one writer per file.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>

struct pcap;
struct pcap_dumper;

namespace ichannel::wire {

enum class PcapPrecision : std::uint8_t { kNano, kMicro };

class PcapWriter {
 public:
  explicit PcapWriter(const std::string& path, PcapPrecision precision = PcapPrecision::kNano);
  ~PcapWriter();
  PcapWriter(const PcapWriter&) = delete;
  PcapWriter& operator=(const PcapWriter&) = delete;

  void write(std::span<const std::uint8_t> frame, std::uint64_t epoch_ns);
  void close();  // flushes; also done by the destructor
  [[nodiscard]] std::uint64_t frames() const { return frames_; }

 private:
  std::string path_;
  PcapPrecision precision_;
  pcap* pcap_ = nullptr;
  pcap_dumper* dumper_ = nullptr;
  std::uint64_t frames_ = 0;
};

// Calls on_frame(frame, epoch_ns) for every frame of the capture; returns the number of frames.
std::uint64_t read_pcap(
    const std::string& path,
    const std::function<void(std::span<const std::uint8_t>, std::uint64_t)>& on_frame);

}  // namespace ichannel::wire
