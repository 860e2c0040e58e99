// tools/sim/session.cpp: sources -> packets -> captures, and the JSON summary; see session.hpp.
#include "tools/sim/session.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <unordered_set>

#include <ichannel/segment_file.hpp>

#include "config/ipv4.hpp"
#include "feed/packet.hpp"
#include "tools/tap/tick_digest.hpp"
#include "wire/frame.hpp"
#include "wire/pcap.hpp"

namespace ichannel::sim {
namespace {

// Accumulates the SourceSummary fields that are read off the message bytes.
class MessageCounter {
 public:
  explicit MessageCounter(SourceSummary& s) : s_(s) {}
  void count(std::span<const std::uint8_t> m, std::uint64_t time_ns) {
    ++s_.by_type[m[0]];
    if (s_.messages++ == 0) s_.first_timestamp = time_ns;
    s_.last_timestamp = time_ns;
    if ((m[0] == 'A' && m.size() == 36) || (m[0] == 'F' && m.size() == 40)) {
      std::uint64_t stock;
      std::memcpy(&stock, m.data() + 24, 8);
      if (symbols_.insert(stock).second) s_.distinct_symbols = symbols_.size();
    }
  }

 private:
  SourceSummary& s_;
  std::unordered_set<std::uint64_t> symbols_;
};

// ITCH timestamp of a message (bytes 5..10), or `fallback` if the message is too short.
std::uint64_t itch_time(std::span<const std::uint8_t> m, std::uint64_t fallback) {
  if (m.size() < 11) return fallback;
  std::uint64_t t = 0;
  for (std::size_t i = 5; i < 11; ++i) t = (t << 8) | m[i];
  return t;
}

std::string json_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    if (static_cast<unsigned char>(c) < 0x20) continue;
    out.push_back(c);
  }
  return out;
}

// The whole of a regular file (open_regular_file: no symlink, no FIFO), or an exception
// "PATH: cannot open WHAT: reason".
std::vector<std::uint8_t> read_whole_file(const std::string& path, const char* what) {
  auto fd = open_regular_file(path, O_RDONLY);
  if (!fd) throw std::runtime_error(path + ": cannot open " + what + ": " + fd.error().message);
  std::vector<std::uint8_t> bytes;
  std::uint8_t buf[1 << 16];
  for (;;) {
    const ssize_t n = ::read(*fd, buf, sizeof buf);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      const int e = errno;
      ::close(*fd);
      throw std::runtime_error(path + ": cannot read " + what + ": " + std::strerror(e));
    }
    bytes.insert(bytes.end(), buf, buf + n);
  }
  ::close(*fd);
  return bytes;
}

}  // namespace

Session pack_binary_file(const std::string& path, const PackOptions& options) {
  const std::vector<std::uint8_t> bytes = read_whole_file(path, "ITCH file");
  Session s;
  s.options = options;
  s.summary.source = "convert";
  s.summary.first_sequence = options.first_sequence;
  wire::MoldPacker packer(options.session, options.max_payload, options.first_sequence,
                          options.max_delay_ns);
  MessageCounter counter(s.summary);
  std::uint64_t time = 0;
  std::size_t at = 0;
  while (at < bytes.size()) {
    if (bytes.size() - at < 2)
      throw std::runtime_error(path + ": offset " + std::to_string(at) +
                               ": truncated length prefix");
    const std::size_t len = (static_cast<std::size_t>(bytes[at]) << 8) | bytes[at + 1];
    if (len == 0)
      throw std::runtime_error(path + ": offset " + std::to_string(at) + ": zero-length message");
    if (bytes.size() - at - 2 < len)
      throw std::runtime_error(path + ": offset " + std::to_string(at) + ": message of " +
                               std::to_string(len) + " bytes truncated at end of file");
    const std::span<const std::uint8_t> m(bytes.data() + at + 2, len);
    time = itch_time(m, time);
    counter.count(m, time);
    packer.add(m, time, s.packets);
    at += 2 + len;
  }
  if (options.end_session)
    packer.end_session(time + kEndOfSessionDelayNs, s.packets);
  else
    packer.flush(s.packets);
  s.summary.next_sequence = packer.next_sequence();
  s.summary.packets = s.packets.size();
  return s;
}

Session pack_generated(const GeneratorConfig& config, const PackOptions& options,
                       std::vector<Tick>* expected) {
  Session s;
  s.options = options;
  s.summary.source = "generate";
  s.summary.first_sequence = options.first_sequence;
  wire::MoldPacker packer(options.session, options.max_payload, options.first_sequence,
                          options.max_delay_ns);
  MessageCounter counter(s.summary);
  Generator gen(config);
  std::vector<std::uint8_t> m;
  std::uint64_t time = 0;
  Tick t{};
  if (expected != nullptr) expected->reserve(gen.total_messages());
  while (gen.next(m, time, expected != nullptr ? &t : nullptr)) {
    if (expected != nullptr) {
      t.seq = packer.next_sequence();
      expected->push_back(t);
    }
    counter.count(m, time);
    packer.add(m, time, s.packets);
  }
  if (options.end_session)
    packer.end_session(time + kEndOfSessionDelayNs, s.packets);
  else
    packer.flush(s.packets);
  s.summary.next_sequence = packer.next_sequence();
  s.summary.packets = s.packets.size();
  s.summary.generator = gen.stats();
  return s;
}

Session load_pcap_session(const std::string& path, std::uint16_t dst_port) {
  Session s;
  s.summary.source = "pcap";
  std::uint64_t first_ns = 0;
  wire::read_pcap(path, [&](std::span<const std::uint8_t> frame, std::uint64_t ns) {
    feed::UdpDatagram udp;
    if (feed::peel(frame, udp) != feed::PeelResult::kOk ||
        (dst_port != 0 && udp.dst_port != dst_port))
      return;
    if (s.packets.empty()) first_ns = ns;
    MoldPacket p;
    p.time_ns = ns >= first_ns ? ns - first_ns : 0;
    p.payload.assign(udp.payload.begin(), udp.payload.end());
    if (p.payload.size() >= wire::kMoldHeaderSize) {
      for (std::size_t i = 10; i < 18; ++i) p.sequence = (p.sequence << 8) | p.payload[i];
      p.count = static_cast<std::uint16_t>((p.payload[18] << 8) | p.payload[19]);
      if (s.packets.empty()) s.summary.first_sequence = p.sequence;
      s.summary.messages += p.messages();
      s.summary.next_sequence = p.sequence + p.messages();
    }
    s.packets.push_back(std::move(p));
  });
  s.summary.packets = s.packets.size();
  return s;
}

SourceSummary write_generated_binary_file(const GeneratorConfig& config, const std::string& path) {
  // Created (or truncated) as a regular file, never through a symlink or into a FIFO.
  if (auto fd = open_regular_file(path, O_WRONLY | O_CREAT | O_TRUNC); !fd) {
    throw std::runtime_error(path + ": cannot create ITCH file: " + fd.error().message);
  } else {
    ::close(*fd);
  }
  std::ofstream out(path, std::ios::binary | std::ios::app);
  if (!out) throw std::runtime_error(path + ": cannot create ITCH file: " + std::strerror(errno));
  SourceSummary s;
  s.source = "generate";
  MessageCounter counter(s);
  Generator gen(config);
  std::vector<std::uint8_t> m;
  std::uint64_t time = 0;
  while (gen.next(m, time, nullptr)) {
    counter.count(m, time);
    const char len[2] = {static_cast<char>(m.size() >> 8), static_cast<char>(m.size())};
    out.write(len, 2);
    out.write(reinterpret_cast<const char*>(m.data()), static_cast<std::streamsize>(m.size()));
  }
  out.close();
  if (!out) throw std::runtime_error(path + ": write failed");
  s.next_sequence = s.first_sequence + s.messages;
  s.generator = gen.stats();
  return s;
}

std::vector<LineResult> schedule_lines(const Session& session, const std::vector<LineSpec>& lines,
                                       std::uint64_t seed) {
  std::vector<LineResult> results(lines.size());
  for (std::size_t i = 0; i < lines.size(); ++i)
    results[i].emissions = schedule_line(session.packets, lines[i], i, seed, results[i].stats);
  return results;
}

std::vector<LineResult> write_capture(const Session& session, const CaptureOptions& options) {
  if (options.lines.empty()) throw std::invalid_argument("write_capture: no line");
  std::vector<LineResult> results = schedule_lines(session, options.lines, options.seed);
  std::vector<std::vector<Emission>> per_line;
  for (const auto& r : results) per_line.push_back(r.emissions);

  wire::PcapWriter main_file(options.out);
  std::optional<wire::PcapWriter> b_file;
  if (!options.out_b.empty() && options.lines.size() > 1) b_file.emplace(options.out_b);
  std::vector<wire::UdpFrameSpec> specs;  // per line; identification counts its frames
  for (const LineSpec& l : options.lines) specs.push_back(frame_spec(l.address));
  std::vector<std::uint8_t> frame;
  for (const Emission& e : merge_lines(per_line)) {
    wire::UdpFrameSpec& spec = specs[e.line];
    wire::build_udp_frame(spec, session.packets[e.packet].payload, frame);
    ++spec.identification;
    wire::PcapWriter& w = (b_file && e.line == 1) ? *b_file : main_file;
    w.write(frame, options.epoch_ns + e.time_ns);
  }
  main_file.close();
  if (b_file) b_file->close();
  return results;
}

std::string summary_json(const SourceSummary& s, const std::vector<LineSpec>& lines,
                         const std::vector<LineResult>& results) {
  std::ostringstream o;
  o << "{\n  \"source\": \"" << s.source << "\",\n";
  o << "  \"messages\": " << s.messages << ",\n  \"messages_by_type\": {";
  const char* sep = "";
  for (int t = 0; t < 256; ++t) {
    if (s.by_type[t] == 0) continue;
    const bool printable = t > 0x20 && t < 0x7F && t != '"' && t != '\\';
    o << sep << "\""
      << (printable ? std::string(1, static_cast<char>(t)) : "0x" + std::to_string(t))
      << "\": " << s.by_type[t];
    sep = ", ";
  }
  o << "},\n";
  o << "  \"first_timestamp_ns\": " << s.first_timestamp << ",\n";
  o << "  \"last_timestamp_ns\": " << s.last_timestamp << ",\n";
  o << "  \"distinct_symbols\": " << s.distinct_symbols << ",\n";
  o << "  \"first_sequence\": " << s.first_sequence << ",\n";
  o << "  \"last_sequence\": " << (s.next_sequence - 1) << ",\n";
  o << "  \"packets\": " << s.packets << ",\n";
  if (s.generator) {
    const GeneratorStats& g = *s.generator;
    o << "  \"expected_ticks\": {";
    sep = "";
    for (std::size_t a = 0; a < g.ticks_by_action.size(); ++a) {
      if (g.ticks_by_action[a] == 0) continue;
      o << sep << "\"" << tools::action_name(static_cast<Action>(a))
        << "\": " << g.ticks_by_action[a];
      sep = ", ";
    }
    o << ", \"total\": " << g.ticks() << "},\n";
    o << "  \"generator\": {\"model\": \"" << (g.model == Model::kBook ? "book" : "flat")
      << "\", \"mix\": \"" << format_mix(g.mix) << "\", \"fallback_adds\": " << g.fallback_adds
      << ", \"max_live_orders\": " << g.max_live_orders
      << ", \"max_live_at_message\": " << g.max_live_at_message
      << ", \"peak_live_target\": " << g.peak_live_target
      << ", \"live_orders_at_end\": " << g.live_orders << ", \"max_levels\": " << g.max_levels
      << "},\n";
  }
  o << "  \"lines\": {";
  sep = "";
  for (std::size_t i = 0; i < lines.size() && i < results.size(); ++i) {
    const LineSpec& l = lines[i];
    const LineStats& st = results[i].stats;
    o << sep << "\n    \"" << json_escape(l.name) << "\": {\"group\": \""
      << config::format_ipv4(l.address.group) << "\", \"port\": " << l.address.port
      << ", \"vlan\": " << (l.address.vlan ? std::to_string(*l.address.vlan) : "null")
      << ", \"packets\": " << st.packets_sent << ", \"messages\": " << st.messages_sent
      << ", \"dropped_packets\": " << st.dropped_packets
      << ", \"dropped_messages\": " << st.dropped_messages
      << ", \"range_dropped_packets\": " << st.range_dropped_packets
      << ", \"range_dropped_messages\": " << st.range_dropped_messages
      << ", \"duplicated_packets\": " << st.duplicated_packets
      << ", \"reordered_packets\": " << st.reordered_packets << "}";
    sep = ",";
  }
  o << (lines.empty() ? "}\n" : "\n  }\n") << "}\n";
  return o.str();
}

}  // namespace ichannel::sim
