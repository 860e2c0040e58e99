// tools/sim/session.hpp: the simulator's pipeline, sources to MoldUDP64 packets to captures.
//
// Contract
// - A Session is the complete downstream of one MoldUDP64 session: its packets in sequence order
//   and a SourceSummary of what they carry (messages per ITCH type, first and last timestamp,
//   distinct symbols in A/F, sequence range; for generated sessions the generator's statistics
//   and expected ticks per action).
// - pack_binary_file() reads a Nasdaq BinaryFILE (u16 BE length, then the message; the length does
//   not count itself). pack_generated() runs the Generator. Bad input throws std::runtime_error
//   naming the file and byte offset.
// - write_capture() writes the lines' emissions (line_schedule.hpp) as Ethernet frames into one
//   pcap (A and B interleaved by time) or one file per line. Pcap time = epoch_ns + ITCH time.
// - summary_json() renders what was produced as a JSON object (keys documented in main.cpp).
// - Cold-path tool code; allocates, does file I/O. Single thread.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tools/sim/generator.hpp"
#include "tools/sim/line_schedule.hpp"
#include "wire/moldudp64_encode.hpp"

namespace ichannel::sim {

// 2019-12-30 00:00:00 UTC, the day of the Nasdaq sample: default date of capture timestamps.
inline constexpr std::uint64_t kDefaultEpochNs = 1'577'664'000ULL * 1'000'000'000ULL;

// The end-of-session packet goes out this long after the last message (1 ms).
inline constexpr std::uint64_t kEndOfSessionDelayNs = 1'000'000;

struct PackOptions {
  std::string session = "ICHSIM0001";  // up to 10 ASCII characters, space padded on the wire
  std::size_t max_payload =
      wire::kDefaultMaxPayload;  // UDP payload bytes per packet, header included
  std::uint64_t first_sequence = 1;
  std::uint64_t max_delay_ns = 0;  // > 0: also close a packet spanning more than this much time
  bool end_session = false;        // append an end-of-session packet (count 0xFFFF)
};

struct SourceSummary {
  std::string source;                        // "generate" or "convert"
  std::array<std::uint64_t, 256> by_type{};  // messages per ITCH type byte
  std::uint64_t messages = 0;
  std::uint64_t first_timestamp = 0;
  std::uint64_t last_timestamp = 0;
  std::uint64_t distinct_symbols = 0;  // distinct stocks named by A and F messages
  std::uint64_t first_sequence = 1;
  std::uint64_t next_sequence = 1;  // one past the last message's sequence number
  std::uint64_t packets = 0;        // MoldUDP64 packets in the session (control included)
  std::optional<GeneratorStats> generator;
};

struct Session {
  PackOptions options;
  std::vector<MoldPacket> packets;
  SourceSummary summary;
};

Session pack_binary_file(const std::string& path, const PackOptions& options);
// `expected` (optional) receives one tick per message, seq filled in.
Session pack_generated(const GeneratorConfig& config, const PackOptions& options,
                       std::vector<Tick>* expected = nullptr);
// Reads the UDP payloads of a capture (only those to dst_port if non-zero) as a session, for a
// live resend. Packet times are relative to the first frame; sequence/count from the header.
Session load_pcap_session(const std::string& path, std::uint16_t dst_port);
// Writes the generated session as a BinaryFILE; returns its summary.
SourceSummary write_generated_binary_file(const GeneratorConfig& config, const std::string& path);

struct CaptureOptions {
  std::vector<LineSpec> lines;  // one or two (A, B)
  std::string out;              // capture of every line, or of line A if out_b is set
  std::string out_b;            // separate capture for line B (optional)
  std::uint64_t epoch_ns = kDefaultEpochNs;
  std::uint64_t seed = 1;  // fault injection seed
};

struct LineResult {
  LineStats stats;
  std::vector<Emission> emissions;
};

std::vector<LineResult> schedule_lines(const Session& session, const std::vector<LineSpec>& lines,
                                       std::uint64_t seed);
std::vector<LineResult> write_capture(const Session& session, const CaptureOptions& options);

std::string summary_json(const SourceSummary& summary, const std::vector<LineSpec>& lines,
                         const std::vector<LineResult>& results);

}  // namespace ichannel::sim
