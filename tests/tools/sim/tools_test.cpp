// tests/tools/sim/tools_test.cpp: external views of the simulator. tshark (skipped when absent)
// dissects its captures as MoldUDP64 with the sequence numbers and counts it wrote, and valid
// IPv4/UDP checksums; the ichannel-sim binary's CLI writes the files and JSON summary it claims
// and fails cleanly on bad input. Exec tests: suite 'nosan'.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "tests/support/exec.hpp"
#include "tests/support/sim_test_util.hpp"
#include "tools/sim/session.hpp"

namespace ichannel::sim {
namespace {

using ::ichannel::test::Exec;
using ::ichannel::test::run;
using ::ichannel::test::slurp;

bool have_tshark() {
  return run("command -v tshark >/dev/null 2>&1").status == 0;
}

TEST(Tshark, DissectsSequenceNumbersAndCountsTheSimulatorWrote) {
  if (!have_tshark()) GTEST_SKIP() << "tshark not installed (Debian package tshark)";
  GeneratorConfig g;
  g.messages = 3000;
  g.symbols = 10;
  PackOptions p;
  p.end_session = true;
  const Session s = pack_generated(g, p);
  LineSpec a, b;
  a.name = "a";
  a.address.group = 0xEF010101;
  a.address.port = 30001;
  a.faults = {0.05, 0.05, 0.05};
  b = a;
  b.name = "b";
  b.address.port = 30002;
  b.address.vlan = 7;
  b.delay_ns = 2000;
  b.faults = {};
  test::TempFile pcap("tshark");
  CaptureOptions c;
  c.lines = {a, b};
  c.out = pcap.str();
  c.seed = 3;
  const auto lines = write_capture(s, c);

  const Exec r = run("tshark -r " + pcap.str() +
                     " -d udp.port==30001,moldudp64 -d udp.port==30002,moldudp64"
                     " -o ip.check_checksum:TRUE -o udp.check_checksum:TRUE"
                     " -T fields -e udp.dstport -e moldudp64.sequence -e moldudp64.count"
                     " -e ip.checksum.status -e udp.checksum.status 2>/dev/null");
  ASSERT_EQ(r.status, 0);
  std::vector<std::vector<Emission>> per_line{lines[0].emissions, lines[1].emissions};
  const std::vector<Emission> merged = merge_lines(per_line);
  std::istringstream in(r.out);
  std::string row;
  std::size_t i = 0;
  while (std::getline(in, row)) {
    ASSERT_LT(i, merged.size()) << "tshark shows more frames than were written";
    const Emission& e = merged[i++];
    const MoldPacket& m = s.packets[e.packet];
    const std::string want = std::to_string(e.line == 0 ? 30001 : 30002) + "\t" +
                             std::to_string(m.sequence) + "\t" + std::to_string(m.count) +
                             "\t1\t1";  // checksum status 1 = good (0 bad, 2 unverified)
    EXPECT_EQ(row, want) << "frame " << i;
  }
  EXPECT_EQ(i, merged.size());
}

const std::string kSim = ICHANNEL_SIM_EXE;

TEST(Cli, GenerateWritesCaptureAndSummaryDeterministically) {
  test::TempFile pcap1("cli1"), pcap2("cli2"), json("cli-json"), itch("cli-itch");
  const std::string args =
      " generate --messages 2000 --symbols 10 --seed 4 --group-b 239.1.1.2 --loss-a 0.1 -q";
  ASSERT_EQ(run(kSim + args + " --out " + pcap1.str() + " --summary " + json.str()).status, 0);
  ASSERT_EQ(run(kSim + args + " --out " + pcap2.str()).status, 0);
  const std::string a = slurp(pcap1.str());
  ASSERT_GT(a.size(), 24u);
  EXPECT_EQ(a, slurp(pcap2.str())) << "same seed, different capture";
  EXPECT_EQ(static_cast<unsigned char>(a[0]), 0x4d);  // 0xa1b23c4d little-endian: ns magic
  EXPECT_EQ(static_cast<unsigned char>(a[3]), 0xa1);

  const std::string j = slurp(json.str());
  EXPECT_NE(j.find("\"messages\": 2026"), std::string::npos) << j;
  EXPECT_NE(j.find("\"last_sequence\": 2026"), std::string::npos) << j;
  EXPECT_NE(j.find("\"expected_ticks\""), std::string::npos) << j;
  EXPECT_NE(j.find("\"b\": {\"group\": \"239.1.1.2\""), std::string::npos) << j;

  // The JSON's per-line packet counts match the capture.
  std::size_t frames_a = 0, frames_b = 0;
  wire::read_pcap(pcap1.str(), [&](std::span<const std::uint8_t> f, std::uint64_t) {
    (f[33] == 1 ? frames_a : frames_b)++;  // last byte of the IPv4 destination
  });
  EXPECT_NE(
      j.find("\"a\": {\"group\": \"239.1.1.1\", \"port\": 30001, \"vlan\": null, \"packets\": " +
             std::to_string(frames_a)),
      std::string::npos)
      << j;
  EXPECT_NE(j.find("\"dropped_packets\": 0"), std::string::npos) << "B line lost nothing";

  // --itch-out writes a BinaryFILE that convert reads back to the same packets.
  test::TempFile pcap3("cli3");
  ASSERT_EQ(
      run(kSim + " generate --messages 2000 --symbols 10 --seed 4 -q --itch-out " + itch.str())
          .status,
      0);
  ASSERT_EQ(
      run(kSim + " convert --session ICHSIM0001 -q --itch " + itch.str() + " --out " + pcap3.str())
          .status,
      0);
  test::TempFile pcap4("cli4");
  ASSERT_EQ(
      run(kSim + " generate --messages 2000 --symbols 10 --seed 4 -q --out " + pcap4.str()).status,
      0);
  EXPECT_EQ(slurp(pcap3.str()), slurp(pcap4.str()));
}

TEST(Cli, BookModelOptionsReachTheGeneratorAndTheSummary) {
  // The options land in GeneratorConfig: the same session as the library writes for them.
  test::TempFile itch("cli-book"), json("cli-book-json");
  ASSERT_EQ(
      run(kSim + " generate --messages 20000 --symbols 20 --seed 6 --peak-orders 1500" +
          " --mix open --burst-share 0.2 -q --itch-out " + itch.str() + " --summary " + json.str())
          .status,
      0);
  GeneratorConfig g;
  g.messages = 20'000;
  g.symbols = 20;
  g.seed = 6;
  g.peak_live_orders = 1'500;
  g.mix = kOpenMix;
  g.burst_share = 0.2;
  test::TempFile same("cli-book-lib");
  const SourceSummary lib = write_generated_binary_file(g, same.str());
  EXPECT_EQ(slurp(itch.str()), slurp(same.str()));
  const std::string j = slurp(json.str());
  EXPECT_NE(j.find("\"model\": \"book\", \"mix\": \"" + format_mix(kOpenMix) + "\""),
            std::string::npos)
      << j;
  EXPECT_NE(j.find("\"max_live_orders\": " + std::to_string(lib.generator->max_live_orders)),
            std::string::npos)
      << j;
  EXPECT_NE(j.find("\"peak_live_target\": 1500"), std::string::npos) << j;

  // --model flat is the earlier generator; bad values are usage errors.
  ASSERT_EQ(run(kSim + " generate --messages 2000 --symbols 5 --model flat -q --summary " +
                json.str() + " --itch-out " + itch.str())
                .status,
            0);
  EXPECT_NE(slurp(json.str()).find("\"model\": \"flat\""), std::string::npos);
  EXPECT_EQ(run(kSim + " generate --messages 10 --model deep --itch-out " + itch.str() +
                " >/dev/null 2>&1")
                .status,
            2);
  EXPECT_EQ(run(kSim + " generate --messages 10 --mix A=1,Z=2 --itch-out " + itch.str() +
                " >/dev/null 2>&1")
                .status,
            2);
}

TEST(Cli, SeparateBLineFileHoldsOnlyTheBLine) {
  test::TempFile a("cli-a"), b("cli-b");
  ASSERT_EQ(
      run(kSim + " generate --messages 1000 --symbols 5 --port-b 30002 --dup-b 0.2 -q --out " +
          a.str() + " --out-b " + b.str())
          .status,
      0);
  auto ports = [](const std::string& path) {
    std::map<std::uint16_t, std::uint64_t> n;
    wire::read_pcap(path, [&](std::span<const std::uint8_t> f, std::uint64_t) {
      feed::UdpDatagram udp;
      ASSERT_EQ(feed::peel(f, udp), feed::PeelResult::kOk);
      ++n[udp.dst_port];
    });
    return n;
  };
  const auto pa = ports(a.str());
  const auto pb = ports(b.str());
  ASSERT_EQ(pa.size(), 1u);
  ASSERT_EQ(pb.size(), 1u);
  EXPECT_EQ(pa.begin()->first, 30001);
  EXPECT_EQ(pb.begin()->first, 30002);
  EXPECT_GT(pb.begin()->second, pa.begin()->second) << "B duplicates some packets";
}

TEST(Cli, DropRangeTakesTheSameMessagesOffBothLines) {
  test::TempFile pcap("cli-drop"), json("cli-drop-json");
  ASSERT_EQ(run(kSim + " generate --messages 5000 --symbols 10 --seed 2 --group-b 239.1.1.2" +
                " --max-payload 200 --drop-range 1000:300 -q --out " + pcap.str() + " --summary " +
                json.str())
                .status,
            0);
  // Per line (group), the sequences its packets carry: none in 1000..1299, everything else.
  std::map<std::uint32_t, std::vector<bool>> have;
  wire::read_pcap(pcap.str(), [&](std::span<const std::uint8_t> f, std::uint64_t) {
    feed::UdpDatagram udp;
    ASSERT_EQ(feed::peel(f, udp), feed::PeelResult::kOk);
    ASSERT_GE(udp.payload.size(), 20u);
    std::uint64_t seq = 0;
    for (int k = 10; k < 18; ++k) seq = seq << 8 | udp.payload[k];
    const unsigned count = udp.payload[18] << 8 | udp.payload[19];
    std::vector<bool>& h = have[udp.dst_ip];
    if (count == 0xFFFF) return;
    if (h.size() < seq + count) h.resize(seq + count);
    for (unsigned k = 0; k < count; ++k) h[seq + k] = true;
  });
  ASSERT_EQ(have.size(), 2u);
  std::uint64_t missing[2] = {0, 0};
  int line = 0;
  for (const auto& [group, h] : have) {
    for (std::size_t seq = 1; seq < h.size(); ++seq) {
      if (seq >= 1000 && seq < 1300) {
        EXPECT_FALSE(h[seq]) << "seq " << seq << " sent on group " << group;
      }
      missing[line] += !h[seq];
    }
    ++line;
  }
  EXPECT_EQ(missing[0], missing[1]) << "both lines drop the same packets";
  EXPECT_GE(missing[0], 300u) << "whole packets: a little more than the range";
  const std::string j = slurp(json.str());
  const std::string want = "\"range_dropped_messages\": " + std::to_string(missing[0]);
  const std::size_t first = j.find(want);
  ASSERT_NE(first, std::string::npos) << j;
  EXPECT_NE(j.find(want, first + 1), std::string::npos) << "on line B too: " << j;

  EXPECT_EQ(
      run(kSim + " generate --messages 10 --drop-range 5 --out " + pcap.str() + " >/dev/null 2>&1")
          .status,
      2);
  EXPECT_EQ(run(kSim + " generate --messages 10 --drop-range 0:5 --out " + pcap.str() +
                " >/dev/null 2>&1")
                .status,
            2);
  EXPECT_EQ(run(kSim + " generate --messages 10 --drop-range 5:x --out " + pcap.str() +
                " >/dev/null 2>&1")
                .status,
            2);
}

TEST(Cli, BadInputFailsWithAMessageNotACrash) {
  test::TempFile bad("cli-bad");
  {
    std::ofstream f(bad.str(), std::ios::binary);
    f.write("\x00\x30S", 3);  // announces 48 bytes, has 1
  }
  test::TempFile out("cli-out");
  Exec r = run(kSim + " convert --itch " + bad.str() + " --out " + out.str() + " 2>&1");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("offset 0"), std::string::npos) << r.out;
  r = run(kSim + " convert --itch /nonexistent --out " + out.str() + " 2>&1");
  EXPECT_EQ(r.status, 2) << r.out;
  r = run(kSim + " generate --messages 10 --out " + out.str() + " --group-a 300.1.1.1 2>&1");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("300.1.1.1"), std::string::npos) << r.out;
  r = run(kSim + " generate --messages 10 --out " + out.str() + " --loss-b 0.1 2>&1");
  EXPECT_EQ(r.status, 1) << "B faults without a B line";
  r = run(kSim + " send --generate --pace sometimes 2>&1");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(run(kSim + " --help >/dev/null 2>&1").status, 0);
  EXPECT_EQ(run(kSim + " >/dev/null 2>&1").status, 2) << "a subcommand is required";
}

// A free UDP port on 127.0.0.1 (bound and released: another process could take it, rarely).
std::uint16_t free_udp_port() {
  const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

TEST(Cli, SendServesReRequestsFromItsHistoryAndReportsThem) {
  const std::uint16_t port = free_udp_port();
  const test::TempFile json("rerequest-json");
  // 2000 messages at 500 packets/s: about 0.1 s of sending, then 3 s of serving the history.
  const std::string cmd = kSim +
                          " send --generate --messages 2000 --symbols 5 --session RRTEST"
                          " --group 239.255.77.1 --port 39977 --iface 127.0.0.1 --rate 500"
                          " --rerequest-bind 127.0.0.1 --rerequest-port " +
                          std::to_string(port) + " --rerequest-linger 3 -q --summary " + json.str();
  std::thread sim([&] { EXPECT_EQ(run(cmd + " 2>/dev/null").status, 0); });

  const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  to.sin_port = htons(port);
  // session "RRTEST" space padded, first sequence 3, count 2.
  std::vector<std::uint8_t> req{'R', 'R', 'T', 'E', 'S', 'T', ' ', ' ', ' ', ' ',
                                0,   0,   0,   0,   0,   0,   0,   3,   0,   2};
  std::vector<std::uint8_t> reply(2048);
  ssize_t n = -1;
  for (int attempt = 0; attempt < 40 && n <= 0; ++attempt) {  // until the server is up: <= 4 s
    ::sendto(fd, req.data(), req.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) > 0) n = ::recv(fd, reply.data(), reply.size(), 0);
  }
  ::close(fd);
  sim.join();
  ASSERT_GT(n, 20) << "no answer from ichannel-sim's re-request server on port " << port;
  EXPECT_EQ(std::string(reply.begin(), reply.begin() + 10), "RRTEST    ");
  EXPECT_EQ(reply[17], 3);  // first sequence 3 (low byte of the u64)
  EXPECT_EQ(reply[19], 2);  // two messages
  const std::string summary = slurp(json.str());
  EXPECT_NE(summary.find("\"rerequest\": {\"port\": " + std::to_string(port)), std::string::npos)
      << summary;
  EXPECT_EQ(summary.find("\"answered\": 0,"), std::string::npos) << summary;
}

}  // namespace
}  // namespace ichannel::sim
