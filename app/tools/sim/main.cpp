// ichannel-sim: the exchange simulator (TotalView-ITCH 5.0 over MoldUDP64), deterministic per seed.
//
// Usage
//   ichannel-sim generate [--messages N] [--symbols K] [--seed S] [--msg-rate R]
//                         [--itch-out FILE] [--out FILE.pcap] [packing] [lines] [faults]
//   ichannel-sim convert  --itch FILE --out FILE.pcap [packing] [lines] [faults]
//   ichannel-sim send     (--pcap FILE [--pcap-port P] | --itch FILE | --generate [generator])
//                         [--group G --port P] [--group-b G --port-b P] [--iface IP|NAME]
//                         [--ttl N] [--loop] [--rate PPS | --pace original [--speed X]]
//                         [--duration SEC] [--max-packets N] [--heartbeat-ms MS]
//                         [packing] [faults]
//   Generator: --messages N (body messages, default 100000; total = N + 2 K + 6), --symbols K
//              (default 100), --seed S (default 1), --msg-rate R (body messages per second of
//              exchange time, default 50000). Session: S O, S S, R and H per symbol, S Q, body,
//              S M, S E, S C; timestamps from 09:30:00.
//   Book model (README.md): --model book|flat (default book; flat: the earlier generator,
//              byte for byte), --mix day|open|flat|A=..,F=..,U=..,D=..,E=..,C=..,X=..,P=..
//              (weights of the body messages; default day for book, flat for flat),
//              --peak-orders N (live orders at the peak; default 0 = the published day
//              scaled: 1,648,000 * N / 283,238,832), --fleeting-share F (0.5),
//              --full-exec-share F (0.5), --join-share F (0.35), --improve-share F (0.05),
//              --price-tail-alpha A (1.2), --max-depth-ticks T (5000), --burst-share F (0.1),
//              --burst-speedup X (30), --burst-messages N (300), --regimes N (200),
//              --regime-sigma S (0.5), --intraday-swing W (1.2).
//   Packing:   --session NAME (10 chars max, default ICHSIM0001), --max-payload BYTES (UDP payload,
//              default 1450), --first-seq N (default 1), --max-delay-ns NS (also close a packet
//              whose messages span more than NS; default 0 = size only), --end-session (append
//              a 0xFFFF packet, 1 ms after the last message).
//   Lines:     --group-a/--group G (default 239.1.1.1), --port-a/--port P (default 30001);
//              B line when --group-b or --port-b is given (missing half copied from A), written
//              interleaved into --out (B --b-delay-ns later, default 2000) or into --out-b FILE.
//              --vlan ID (802.1Q tag on both lines), --src-ip IP (default 10.0.0.1),
//              --ttl N (IPv4 TTL in captures, multicast TTL for send; default 32 / 1),
//              --epoch SEC (capture date, Unix seconds of midnight, default 2019-12-30 UTC).
//   Send:      source: --pcap FILE (UDP payloads in file order, only to --pcap-port P if given),
//              --itch FILE or --generate; every packet goes to each line (A, optional B).
//              --iface: IP_MULTICAST_IF (address or name); --loop: IP_MULTICAST_LOOP on;
//              --rate PPS (all lines together) or --pace original [--speed X] (ITCH times),
//              neither: as fast as possible; stops at the end, after --duration SEC, after
//              --max-packets N, or on SIGINT/SIGTERM; --heartbeat-ms MS sends MoldUDP64
//              heartbeats on idle stretches longer than MS. --b-delay-ns NS (default 2000):
//              B's copies NS behind A's; a real skew with --pace original, with --rate only
//              their place in the sending order.
//   Recovery:  --rerequest-port P (send only) serves MoldUDP64 re-requests (20-byte requests:
//              session, first sequence, count) on UDP P of --rerequest-bind IP (default 0.0.0.0)
//              from the session's history (what was sent so far), unicast back to the asker:
//              at most --rerequest-max-payload BYTES (default 1400) per packet,
//              --rerequest-max-packets N (default 1) per request; it keeps serving
//              --rerequest-linger SEC (default 1) after the last packet. Faults:
//              --rerequest-down, --rerequest-delay-ms MS, --rerequest-partial,
//              --rerequest-drop P. The summary adds rerequest.{port, requests, answered,
//              messages, packets, ignored, bad_requests}.
//   Snapshots: --glimpse-port P (send only; 0: any free port) serves GLIMPSE 5.0 over SoupBinTCP
//              3.0 on TCP P of --glimpse-bind IP (default 0.0.0.0): after a login with
//              --glimpse-user U (default ichsim) and --glimpse-password W (default glimpse), a
//              snapshot of the session state after everything sent so far (S, R, H, Y, every
//              resting order as A/F, then End of Snapshot G = the next sequence this process
//              sends); session --glimpse-session NAME (default the MoldUDP64 session).
//              Heartbeats after --glimpse-heartbeat-ms MS (1000) idle; clients silent for
//              --glimpse-idle-timeout SEC (15) are dropped; it keeps serving
//              --glimpse-linger SEC (default 1) after the last packet. Faults:
//              --glimpse-refuse-logins, --glimpse-bytes-per-s R (rate cap),
//              --glimpse-delay-ms MS (between snapshot messages), --glimpse-drop-after N (close
//              after N snapshot messages), --glimpse-stall-after N (silent after N messages).
//              The summary adds glimpse.{port, connections, logins, logins_rejected, snapshots,
//              messages, bytes, heartbeats_sent, heartbeats_received, idle_timeouts, dropped,
//              bad_packets}.
//   Faults:    --loss-a P --dup-a P --reorder-a P --loss-b P --dup-b P --reorder-b P
//              (probabilities per packet, drawn from --seed); --drop-range FIRST:COUNT: every
//              line (A and B) drops each packet carrying a message with a sequence number in
//              FIRST .. FIRST + COUNT - 1 (a hole neither line fills; a re-request server still
//              has them, unless --rerequest-down).
//   Output:    a JSON summary on stdout (--quiet: none), also into --summary FILE. Keys: source,
//              messages, messages_by_type, first_timestamp_ns, last_timestamp_ns,
//              distinct_symbols, first_sequence, last_sequence, packets, expected_ticks (generate:
//              per tick action and total), generator.{model, mix, fallback_adds,
//              max_live_orders, max_live_at_message, peak_live_target, live_orders_at_end,
//              max_levels} (generate), lines.{a,b}.{group, port, vlan, packets, messages,
//              dropped_packets, dropped_messages, range_dropped_packets,
//              range_dropped_messages, duplicated_packets, reordered_packets}; send
//              adds sent.{packets, heartbeats, bytes, seconds}.
//   Exit status: 0 success, 1 bad input or I/O error (message on stderr), 2 usage error.
#include <fcntl.h>
#include <unistd.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>

#include <ichannel/segment_file.hpp>

#include "config/ipv4.hpp"
#include "tools/sim/glimpse_server.hpp"
#include "tools/sim/line_schedule.hpp"
#include "tools/sim/rerequest_server.hpp"
#include "tools/sim/session.hpp"
#include "tools/sim/udp_sender.hpp"

namespace {

using namespace ichannel::sim;

std::atomic<bool> g_stop{false};
extern "C" void on_signal(int) {
  g_stop.store(true, std::memory_order_relaxed);  // pairs: relaxed load in send_emissions
}

struct LineArgs {
  std::string group_a = "239.1.1.1";
  std::uint16_t port_a = 30001;
  std::string group_b;
  std::uint16_t port_b = 0;
  std::optional<std::uint16_t> vlan;
  std::string src_ip = "10.0.0.1";
  int ttl = -1;
  std::uint64_t b_delay_ns = 2000;
  LineFaults fault_a;
  LineFaults fault_b;
  std::uint64_t drop_first = 0;  // --drop-range, on every line
  std::uint64_t drop_count = 0;
};

struct Args {
  GeneratorConfig gen;
  PackOptions pack;
  LineArgs lines;
  std::string itch;
  std::string itch_out;
  std::string out;
  std::string out_b;
  std::string pcap;
  std::uint16_t pcap_port = 0;
  bool use_generator = false;
  std::string summary;
  bool quiet = false;
  std::uint64_t epoch_s = kDefaultEpochNs / 1'000'000'000;
  SendOptions send;
  std::string pace;
  RerequestOptions rerequest;
  bool rerequest_on = false;
  double rerequest_linger_s = 1.0;
  GlimpseOptions glimpse;
  bool glimpse_on = false;
  double glimpse_linger_s = 1.0;
};

void add_generator_options(CLI::App* app, Args& a) {
  app->add_option("--messages", a.gen.messages, "body messages (day mix)")->capture_default_str();
  app->add_option("--symbols", a.gen.symbols, "instruments")
      ->check(CLI::Range(1, 65535))
      ->capture_default_str();
  app->add_option("--msg-rate", a.gen.msg_rate, "body messages per second of exchange time")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  GeneratorConfig& g = a.gen;
  app->add_option_function<std::string>(
         "--model",
         [&g](const std::string& m) {
           if (m != "book" && m != "flat")
             throw CLI::ValidationError("--model", "book or flat, not " + m);
           g.model = m == "book" ? Model::kBook : Model::kFlat;
         },
         "body model: book (real books, default) or flat (the earlier generator)")
      ->default_str("book");
  app->add_option_function<std::string>(
      "--mix",
      [&g](const std::string& m) {
        g.mix = parse_mix(m);
        if (!g.mix)
          throw CLI::ValidationError("--mix", "day, open, flat or A=N,F=N,U=N,D=N,E=N,C=N,X=N,P=N");
      },
      "body message weights: day, open, flat or A=..,F=..,U=..,D=..,E=..,C=..,X=..,P=..");
  auto unit = CLI::Range(0.0, 1.0);
  app->add_option("--peak-orders", g.peak_live_orders,
                  "book: live orders at the peak (0: the published day scaled to --messages)")
      ->capture_default_str();
  app->add_option("--fleeting-share", g.fleeting_share,
                  "book: short-lived orders living < 1 ms (else 1 ms .. 1 s)")
      ->check(unit)
      ->capture_default_str();
  app->add_option("--full-exec-share", g.full_execution_share,
                  "book: executions taking the whole order")
      ->check(unit)
      ->capture_default_str();
  app->add_option("--join-share", g.join_share, "book: adds at the best price of their side")
      ->check(unit)
      ->capture_default_str();
  app->add_option("--improve-share", g.improve_share, "book: adds inside the spread")
      ->check(unit)
      ->capture_default_str();
  app->add_option("--price-tail-alpha", g.price_tail_alpha,
                  "book: Pareto index of the distance from the touch")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app->add_option("--max-depth-ticks", g.max_depth_ticks, "book: cap of that distance (ticks)")
      ->capture_default_str();
  app->add_option("--burst-share", g.burst_share, "book: share of messages in microbursts")
      ->check(CLI::Range(0.0, 0.99))
      ->capture_default_str();
  app->add_option("--burst-speedup", g.burst_speedup, "book: rate in a microburst / outside")
      ->check(CLI::Range(1.0, 1e6))
      ->capture_default_str();
  app->add_option("--burst-messages", g.burst_messages, "book: mean messages per microburst")
      ->check(CLI::Range(1.0, 1e9))
      ->capture_default_str();
  app->add_option("--regimes", g.regimes, "book: mean quiet / busy periods per session")
      ->check(CLI::Range(1.0, 1e9))
      ->capture_default_str();
  app->add_option("--regime-sigma", g.regime_sigma,
                  "book: lognormal spread of the periods' rates (0: none)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app->add_option("--intraday-swing", g.intraday_swing,
                  "book: U shape, rate at open and close / midday - 1 (0: flat)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
}

void add_common_options(CLI::App* app, Args& a) {
  app->add_option("--seed", a.gen.seed, "seed of generator and fault injection")
      ->capture_default_str();
  app->add_option("--session", a.pack.session, "MoldUDP64 session name (<= 10 chars)")
      ->check([](const std::string& s) { return s.size() <= 10 ? "" : "longer than 10 chars"; })
      ->capture_default_str();
  app->add_option("--max-payload", a.pack.max_payload, "max UDP payload bytes per packet")
      ->check(CLI::Range(72, 65507))
      ->capture_default_str();
  app->add_option("--first-seq", a.pack.first_sequence, "sequence number of the first message")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 62))
      ->capture_default_str();
  app->add_option("--max-delay-ns", a.pack.max_delay_ns,
                  "close a packet when its messages span more than this (0: size only)")
      ->capture_default_str();
  app->add_flag("--end-session", a.pack.end_session, "append an end-of-session packet");
  LineArgs& l = a.lines;
  app->add_option("--group-a,--group", l.group_a, "A line multicast group")->capture_default_str();
  app->add_option("--port-a,--port", l.port_a, "A line UDP port")->capture_default_str();
  app->add_option("--group-b", l.group_b, "B line multicast group (enables B)");
  app->add_option("--port-b", l.port_b, "B line UDP port (enables B)");
  app->add_option("--ttl", l.ttl, "IPv4 TTL (captures) / multicast TTL (send)")
      ->check(CLI::Range(1, 255));
  auto prob = CLI::Range(0.0, 1.0);
  app->add_option("--loss-a", l.fault_a.loss, "A line packet loss probability")->check(prob);
  app->add_option("--dup-a", l.fault_a.dup, "A line duplication probability")->check(prob);
  app->add_option("--reorder-a", l.fault_a.reorder, "A line reorder probability")->check(prob);
  app->add_option("--loss-b", l.fault_b.loss, "B line packet loss probability")->check(prob);
  app->add_option("--dup-b", l.fault_b.dup, "B line duplication probability")->check(prob);
  app->add_option("--reorder-b", l.fault_b.reorder, "B line reorder probability")->check(prob);
  app->add_option_function<std::string>(
         "--drop-range",
         [&l](const std::string& v) {
           const auto colon = v.find(':');
           std::uint64_t first = 0, count = 0;
           try {
             if (colon == std::string::npos) throw std::invalid_argument(v);
             std::size_t end1 = 0, end2 = 0;
             first = std::stoull(v.substr(0, colon), &end1);
             count = std::stoull(v.substr(colon + 1), &end2);
             if (end1 != colon || end2 != v.size() - colon - 1) throw std::invalid_argument(v);
           } catch (const std::exception&) {
             throw CLI::ValidationError("--drop-range", "FIRST:COUNT (two integers), not " + v);
           }
           if (first == 0 || count == 0)
             throw CLI::ValidationError("--drop-range", "FIRST and COUNT must be at least 1");
           l.drop_first = first;
           l.drop_count = count;
         },
         "every line drops the packets carrying sequences FIRST..FIRST+COUNT-1")
      ->type_name("FIRST:COUNT");
  app->add_option("--summary", a.summary, "also write the JSON summary to this file");
  app->add_flag("--quiet,-q", a.quiet, "no summary on stdout");
}

void add_capture_options(CLI::App* app, Args& a) {
  app->add_option("--out", a.out, "pcap file (nanosecond timestamps)");
  app->add_option("--out-b", a.out_b, "separate pcap file for the B line");
  app->add_option("--vlan", a.lines.vlan, "802.1Q VLAN id")->check(CLI::Range(1, 4094));
  app->add_option("--src-ip", a.lines.src_ip, "IPv4 source address")->capture_default_str();
  app->add_option("--b-delay-ns", a.lines.b_delay_ns, "B line delay behind A")
      ->capture_default_str();
  app->add_option("--epoch", a.epoch_s, "capture date: Unix seconds of the session's midnight")
      ->capture_default_str();
}

std::uint32_t ipv4_or_throw(const std::string& text, const char* what) {
  auto a = ichannel::config::parse_ipv4(text);
  if (!a) throw std::invalid_argument(std::string(what) + ": not an IPv4 address: " + text);
  return *a;
}

std::vector<LineSpec> make_lines(const Args& a, int default_ttl) {
  const LineArgs& l = a.lines;
  LineSpec A;
  A.name = "a";
  A.address.group = ipv4_or_throw(l.group_a, "--group-a");
  A.address.port = l.port_a;
  A.address.source = ipv4_or_throw(l.src_ip, "--src-ip");
  A.address.vlan = l.vlan;
  A.address.ttl = static_cast<std::uint8_t>(l.ttl > 0 ? l.ttl : default_ttl);
  A.faults = l.fault_a;
  A.faults.drop_first = l.drop_first;
  A.faults.drop_count = l.drop_count;
  std::vector<LineSpec> lines{A};
  if (!l.group_b.empty() || l.port_b != 0) {
    LineSpec B = A;
    B.name = "b";
    if (!l.group_b.empty()) B.address.group = ipv4_or_throw(l.group_b, "--group-b");
    if (l.port_b != 0) B.address.port = l.port_b;
    B.address.source_port = static_cast<std::uint16_t>(A.address.source_port + 1);
    B.faults = l.fault_b;
    B.faults.drop_first = l.drop_first;
    B.faults.drop_count = l.drop_count;
    B.delay_ns = l.b_delay_ns;
    lines.push_back(B);
  } else if (l.fault_b.loss > 0 || l.fault_b.dup > 0 || l.fault_b.reorder > 0) {
    throw std::invalid_argument("B line faults given without a B line (--group-b/--port-b)");
  }
  return lines;
}

void emit_summary(const Args& a, const std::string& json) {
  if (!a.quiet) std::cout << json << std::flush;
  if (!a.summary.empty()) {
    auto fd = ichannel::open_regular_file(a.summary, O_WRONLY | O_CREAT | O_TRUNC);
    if (!fd) throw std::runtime_error(a.summary + ": cannot write summary: " + fd.error().message);
    std::size_t at = 0;
    while (at < json.size()) {
      const ssize_t n = ::write(*fd, json.data() + at, json.size() - at);
      if (n <= 0 && errno != EINTR) break;
      if (n > 0) at += static_cast<std::size_t>(n);
    }
    ::close(*fd);
    if (at != json.size()) throw std::runtime_error(a.summary + ": cannot write summary");
  }
}

std::vector<LineResult> capture(const Session& s, const Args& a,
                                const std::vector<LineSpec>& lines) {
  CaptureOptions c;
  c.lines = lines;
  c.out = a.out;
  c.out_b = a.out_b;
  c.epoch_ns = a.epoch_s * 1'000'000'000ULL;
  c.seed = a.gen.seed;
  return write_capture(s, c);
}

int run_generate(const Args& a) {
  if (a.out.empty() && a.itch_out.empty())
    throw std::invalid_argument("generate: give --out FILE.pcap and/or --itch-out FILE");
  const auto lines = make_lines(a, 32);
  std::string json;
  if (!a.itch_out.empty()) {
    SourceSummary s = write_generated_binary_file(a.gen, a.itch_out);
    if (a.out.empty()) json = summary_json(s, {}, {});
  }
  if (!a.out.empty()) {
    const Session s = pack_generated(a.gen, a.pack);
    json = summary_json(s.summary, lines, capture(s, a, lines));
  }
  emit_summary(a, json);
  return 0;
}

int run_convert(const Args& a) {
  const auto lines = make_lines(a, 32);
  const Session s = pack_binary_file(a.itch, a.pack);
  emit_summary(a, summary_json(s.summary, lines, capture(s, a, lines)));
  return 0;
}

int run_send(const Args& a) {
  const int sources =
      (a.pcap.empty() ? 0 : 1) + (a.itch.empty() ? 0 : 1) + (a.use_generator ? 1 : 0);
  if (sources != 1)
    throw std::invalid_argument("send: give exactly one of --pcap, --itch, --generate");
  if (!a.pace.empty() && a.pace != "original")
    throw std::invalid_argument("send: --pace takes only 'original'");
  if (!a.pace.empty() && a.send.rate_pps > 0)
    throw std::invalid_argument("send: --rate and --pace are exclusive");
  const auto lines = make_lines(a, 1);
  Session s = !a.pcap.empty()   ? load_pcap_session(a.pcap, a.pcap_port)
              : !a.itch.empty() ? pack_binary_file(a.itch, a.pack)
                                : pack_generated(a.gen, a.pack);
  std::vector<LineResult> results = schedule_lines(s, lines, a.gen.seed);
  std::vector<std::vector<Emission>> per_line;
  for (const auto& r : results) per_line.push_back(r.emissions);
  SendOptions o = a.send;
  o.ttl = lines.front().address.ttl;
  o.pace_original = a.pace == "original";
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  std::optional<MessageHistory> history;
  std::optional<RerequestServer> server;
  std::optional<GlimpseServer> glimpse;
  if (a.rerequest_on || a.glimpse_on) {
    // The session the packets carry (a capture's own for --pcap) and its first sequence.
    std::string session = a.pack.session;
    std::uint64_t first = s.summary.first_sequence;
    if (!s.packets.empty() && s.packets.front().payload.size() >= ichannel::wire::kMoldHeaderSize) {
      const auto& p0 = s.packets.front().payload;
      session.assign(p0.begin(), p0.begin() + 10);
      first = s.packets.front().sequence;
    }
    history.emplace(session, first);
    for (const auto& p : s.packets) history->add_packet(p.payload);
  }
  if (a.rerequest_on) {
    RerequestOptions ro = a.rerequest;
    ro.faults.seed = a.gen.seed;
    server.emplace(*history, ro);
    server->set_available(0);
    server->start();
    std::cerr << "ichannel-sim: re-request server on " << a.rerequest.bind << ":" << server->port()
              << "\n";
  }
  if (a.glimpse_on) {
    glimpse.emplace(*history, a.glimpse);
    glimpse->set_available(0);
    glimpse->start();
    std::cerr << "ichannel-sim: GLIMPSE server on " << a.glimpse.bind << ":" << glimpse->port()
              << "\n";
  }
  if (server || glimpse) {
    o.on_progress = [&server, &glimpse](std::uint64_t next) {
      if (server) server->set_available(next);
      if (glimpse) glimpse->set_available(next);
    };
  }
  const SendResult sent = send_emissions(s.packets, merge_lines(per_line), lines, o, &g_stop);
  std::string json = summary_json(s.summary, lines, results);
  std::ostringstream tail;
  tail << "  \"sent\": {\"packets\": " << sent.packets << ", \"heartbeats\": " << sent.heartbeats
       << ", \"bytes\": " << sent.bytes << ", \"seconds\": " << sent.seconds << "}";
  if (server || glimpse) {
    // The whole session is history now; serve late requests for the tail a while longer.
    if (server) server->set_available(history->next_sequence());
    // GLIMPSE keeps the state of what was sent (on_progress): a stopped send sent less.
    const double linger =
        std::max(server ? a.rerequest_linger_s : 0.0, glimpse ? a.glimpse_linger_s : 0.0);
    const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(linger);
    while (std::chrono::steady_clock::now() < until && !g_stop.load(std::memory_order_relaxed)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  if (glimpse) {
    glimpse->stop();
    const GlimpseStats g = glimpse->stats();
    tail << ",\n  \"glimpse\": {\"port\": " << glimpse->port()
         << ", \"connections\": " << g.connections << ", \"logins\": " << g.logins
         << ", \"logins_rejected\": " << g.logins_rejected << ", \"snapshots\": " << g.snapshots
         << ", \"messages\": " << g.messages << ", \"bytes\": " << g.bytes
         << ", \"heartbeats_sent\": " << g.heartbeats_sent
         << ", \"heartbeats_received\": " << g.heartbeats_received
         << ", \"idle_timeouts\": " << g.idle_timeouts << ", \"dropped\": " << g.dropped
         << ", \"bad_packets\": " << g.bad_packets << "}";
  }
  if (server) {
    server->stop();
    const RerequestStats st = server->stats();
    tail << ",\n  \"rerequest\": {\"port\": " << server->port() << ", \"requests\": " << st.requests
         << ", \"answered\": " << st.answered << ", \"messages\": " << st.messages
         << ", \"packets\": " << st.packets << ", \"ignored\": " << st.ignored
         << ", \"bad_requests\": " << st.bad_requests << "}";
  }
  tail << "\n}\n";
  json.erase(json.rfind("\n}"));  // reopen the object to append "sent"
  json += ",\n" + tail.str();
  emit_summary(a, json);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"ichannel-sim: TotalView-ITCH 5.0 / MoldUDP64 exchange simulator"};
  app.require_subcommand(1);
  Args a;

  CLI::App* gen =
      app.add_subcommand("generate", "synthetic ITCH session -> pcap and/or BinaryFILE");
  add_generator_options(gen, a);
  add_common_options(gen, a);
  add_capture_options(gen, a);
  gen->add_option("--itch-out", a.itch_out, "write the session as an ITCH BinaryFILE");

  CLI::App* conv = app.add_subcommand("convert", "ITCH BinaryFILE -> MoldUDP64 pcap");
  conv->add_option("--itch", a.itch, "ITCH BinaryFILE (u16 BE length-prefixed messages)")
      ->required()
      ->check(CLI::ExistingFile);
  add_common_options(conv, a);
  add_capture_options(conv, a);
  conv->get_option("--out")->required();

  CLI::App* send = app.add_subcommand("send", "send a session live to multicast groups");
  send->add_option("--pcap", a.pcap, "resend the UDP payloads of this capture")
      ->check(CLI::ExistingFile);
  send->add_option("--pcap-port", a.pcap_port, "only frames to this UDP port");
  send->add_option("--itch", a.itch, "convert this BinaryFILE on the fly")
      ->check(CLI::ExistingFile);
  send->add_flag("--generate", a.use_generator, "generate a session on the fly");
  send->add_option("--b-delay-ns", a.lines.b_delay_ns,
                   "B line delay behind A (on the wire with --pace original; else the order)")
      ->capture_default_str();
  add_generator_options(send, a);
  add_common_options(send, a);
  send->add_option("--iface", a.send.iface, "IP_MULTICAST_IF: local IPv4 address or interface");
  send->add_flag("--loop", a.send.loop, "IP_MULTICAST_LOOP on (receivers on this host)");
  send->add_option("--rate", a.send.rate_pps, "packets per second (all lines)")
      ->check(CLI::PositiveNumber);
  send->add_option("--pace", a.pace, "'original': pace by the ITCH timestamps");
  send->add_option("--speed", a.send.speed, "--pace original: speed-up factor")
      ->check(CLI::PositiveNumber);
  send->add_option("--duration", a.send.duration_s, "stop after SEC seconds")
      ->check(CLI::PositiveNumber);
  send->add_option("--max-packets", a.send.max_packets, "stop after N packets");
  send->add_option("--heartbeat-ms", a.send.heartbeat_ms,
                   "MoldUDP64 heartbeat on every line when idle this long (0: none)")
      ->check(CLI::NonNegativeNumber);
  RerequestOptions& rr = a.rerequest;
  send->add_option("--rerequest-port", rr.port,
                   "serve MoldUDP64 re-requests on this UDP port (0: any free port)")
      ->each([&a](const std::string&) { a.rerequest_on = true; });
  send->add_option("--rerequest-bind", rr.bind, "local IPv4 address of the re-request server")
      ->capture_default_str();
  send->add_option("--rerequest-max-payload", rr.max_payload, "UDP payload bytes per answer")
      ->check(CLI::Range(72, 65507))
      ->capture_default_str();
  send->add_option("--rerequest-max-packets", rr.max_packets, "answer packets per request")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  send->add_flag("--rerequest-down", rr.faults.down, "fault: read requests, never answer");
  send->add_option("--rerequest-delay-ms", rr.faults.delay_ms, "fault: answer this much later")
      ->check(CLI::NonNegativeNumber);
  send->add_flag("--rerequest-partial", rr.faults.partial, "fault: answer half of what fits");
  send->add_option("--rerequest-drop", rr.faults.drop, "fault: probability of ignoring a request")
      ->check(CLI::Range(0.0, 1.0));
  send->add_option("--rerequest-linger", a.rerequest_linger_s,
                   "keep serving this many seconds after the last packet")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();

  GlimpseOptions& gl = a.glimpse;
  send->add_option("--glimpse-port", gl.port,
                   "serve GLIMPSE 5.0 snapshots over SoupBinTCP on this TCP port (0: any)")
      ->each([&a](const std::string&) { a.glimpse_on = true; });
  send->add_option("--glimpse-bind", gl.bind, "local IPv4 address of the GLIMPSE server")
      ->capture_default_str();
  send->add_option("--glimpse-user", gl.username, "GLIMPSE login user name (<= 6 chars)")
      ->check([](const std::string& s) { return s.size() <= 6 ? "" : "longer than 6 chars"; })
      ->capture_default_str();
  send->add_option("--glimpse-password", gl.password, "GLIMPSE login password (<= 10 chars)")
      ->check([](const std::string& s) { return s.size() <= 10 ? "" : "longer than 10 chars"; });
  send->add_option("--glimpse-session", gl.session,
                   "SoupBinTCP session (<= 10 chars; default: the MoldUDP64 session)")
      ->check([](const std::string& s) { return s.size() <= 10 ? "" : "longer than 10 chars"; });
  send->add_option_function<double>(
          "--glimpse-heartbeat-ms", [&gl](double ms) { gl.heartbeat_s = ms / 1000.0; },
          "server heartbeat after this long idle (default 1000)")
      ->check(CLI::NonNegativeNumber);
  send->add_option("--glimpse-idle-timeout", gl.idle_timeout_s,
                   "drop a client silent this many seconds (0: never)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  send->add_flag("--glimpse-refuse-logins", gl.faults.refuse_logins,
                 "fault: reject every login ('J' 'A')");
  send->add_option("--glimpse-bytes-per-s", gl.faults.bytes_per_s,
                   "fault: cap the snapshot's send rate (bytes per second)")
      ->check(CLI::PositiveNumber);
  send->add_option("--glimpse-delay-ms", gl.faults.delay_ms,
                   "fault: pause between two snapshot messages")
      ->check(CLI::NonNegativeNumber);
  send->add_option("--glimpse-drop-after", gl.faults.drop_after,
                   "fault: close the connection after N snapshot messages")
      ->check(CLI::NonNegativeNumber);
  send->add_option("--glimpse-stall-after", gl.faults.stall_after,
                   "fault: send nothing more (not even heartbeats) after N snapshot messages")
      ->check(CLI::NonNegativeNumber);
  send->add_option("--glimpse-linger", a.glimpse_linger_s,
                   "keep serving snapshots this many seconds after the last packet")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;  // --help exits 0
  }
  try {
    if (gen->parsed()) return run_generate(a);
    if (conv->parsed()) return run_convert(a);
    return run_send(a);
  } catch (const std::exception& e) {
    std::cerr << "ichannel-sim: " << e.what() << "\n";
    return 1;
  }
}
