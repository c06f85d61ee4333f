// JSON text -> ParseJson(), checked against nlohmann-json: what Sluice accepts, nlohmann accepts
// with the same value; what nlohmann accepts and Sluice refuses must be one of the things Sluice
// refuses on purpose (duplicate keys, nesting past 256 levels, numbers too large for a double).
// What Sluice accepts it writes back as text that reads the same again, and reading it with a
// sink on the root's "Steps" list gives the same value once the items taken are put back.
#include "definition/json.h"

#include <nlohmann/json.hpp>

#include "fuzz_check.h"
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace {

using Json = nlohmann::ordered_json;

sluice::Value ToValue(const Json& json) {
  switch (json.type()) {
    case Json::value_t::null:
      return sluice::Value();
    case Json::value_t::boolean:
      return sluice::Value(json.get<bool>());
    case Json::value_t::number_integer:
      return sluice::Value(json.get<int64_t>());
    case Json::value_t::number_unsigned: {
      const auto number = json.get<uint64_t>();
      if (number > static_cast<uint64_t>(INT64_MAX))
        return sluice::Value(static_cast<double>(number));
      return sluice::Value(static_cast<int64_t>(number));
    }
    case Json::value_t::number_float:
      return sluice::Value(json.get<double>());
    case Json::value_t::string:
      return sluice::Value(json.get<std::string>());
    case Json::value_t::array: {
      sluice::Value::List items;
      for (const Json& item : json) items.push_back(ToValue(item));
      return sluice::Value(std::move(items));
    }
    case Json::value_t::object: {
      sluice::Value::Map members;
      for (const auto& [key, item] : json.items()) members.push_back({key, ToValue(item)});
      return sluice::Value(std::move(members));
    }
    case Json::value_t::binary:
    case Json::value_t::discarded:
      break;
  }
  return sluice::Value();
}

bool IsDeliberateRefusal(const std::string& message) {
  return message.find("duplicate key") != std::string::npos ||
         message.find("nesting deeper than") != std::string::npos ||
         message.find("is too large") != std::string::npos;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto ours = sluice::ParseJson(text);
  sluice::Value::List taken;
  const sluice::ListItemSink sink{"Steps", [&](sluice::Value item, size_t index) {
                                    // A second "Steps" (a duplicate key, refused once read) starts
                                    // again at 0.
                                    if (index == 0) taken.clear();
                                    SLUICE_FUZZ_CHECK(index == taken.size());
                                    taken.push_back(std::move(item));
                                  }};
  auto sunk = sluice::ParseJson(text, "", sluice::NullMembers::kKeep, sink);
  SLUICE_FUZZ_CHECK(sunk.has_value() == ours.has_value());
  if (sunk && !taken.empty()) {
    sluice::Value* steps = sunk->Find("Steps");
    SLUICE_FUZZ_CHECK(steps != nullptr && steps->is_list() &&
                      steps->as_list().size() == taken.size());
    steps->as_list() = std::move(taken);
  }
  if (sunk) SLUICE_FUZZ_CHECK(*sunk == *ours);
  const Json theirs = Json::parse(text.begin(), text.end(), nullptr, false);
  if (!ours) {
    // nlohmann ends its input at a NUL byte, so it accepts `1\0garbage`; JSON does not.
    const bool nlohmann_stops_early = text.find('\0') != std::string_view::npos;
    SLUICE_FUZZ_CHECK(theirs.is_discarded() || nlohmann_stops_early ||
                      IsDeliberateRefusal(ours.error().message));
    return 0;
  }
  SLUICE_FUZZ_CHECK(!theirs.is_discarded());
  SLUICE_FUZZ_CHECK(ToValue(theirs) == *ours);
  for (int indent : {-1, 2}) {
    const auto again = sluice::ParseJson(sluice::WriteJson(*ours, indent));
    SLUICE_FUZZ_CHECK(again.has_value() && *again == *ours);
  }
  return 0;
}
