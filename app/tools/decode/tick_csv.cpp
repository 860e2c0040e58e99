// tools/decode/tick_csv.cpp: see tick_csv.hpp.
#include "tools/decode/tick_csv.hpp"

#include <fmt/format.h>

#include "tools/tap/tick_digest.hpp"
#include "tools/tap/tick_text.hpp"

namespace ichannel::tools {
namespace {

std::string csv_field(std::string_view s) {
  bool quote = false;
  for (const char c : s) {
    if (c == ',' || c == '"' || static_cast<unsigned char>(c) < 0x20) quote = true;
  }
  if (!quote) return std::string(s);
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string side_text(Side s) {
  const auto c = static_cast<unsigned char>(s);
  if (c == 0) return {};
  if (c >= 0x20 && c < 0x7f) return std::string(1, static_cast<char>(c));
  return fmt::format("\\x{:02x}", c);
}

std::string price_text(std::int64_t p) {
  const char* sign = p < 0 ? "-" : "";
  const std::uint64_t a = p < 0 ? 0 - static_cast<std::uint64_t>(p) : static_cast<std::uint64_t>(p);
  const auto scale = static_cast<std::uint64_t>(kPriceScale);
  return fmt::format("{}{}.{:04}", sign, a / scale, a % scale);
}

}  // namespace

std::string format_tick_csv(const Tick& t, std::string_view feed, std::string_view symbol) {
  const std::string sym =
      t.action == Action::kDirectory ? symbol_of_directory(t) : std::string(symbol);
  return fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{}", csv_field(feed), t.seq,
                     action_name(t.action), t.instrument, csv_field(sym),
                     csv_field(side_text(t.side)), t.qty, t.price, price_text(t.price), t.order_id,
                     t.aux, t.exch_ns, t.recv_ns);
}

}  // namespace ichannel::tools
