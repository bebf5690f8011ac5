#include "storage/store_rows.hpp"

#include <nlohmann/json.hpp>

#include <stdexcept>

namespace hindsight::storage {

const char* curation_kind_text(TimelineCuration::Kind k) {
    switch (k) {
        case TimelineCuration::Kind::add: return "add";
        case TimelineCuration::Kind::hide: return "hide";
        case TimelineCuration::Kind::show: return "show";
        case TimelineCuration::Kind::edit: return "edit";
        case TimelineCuration::Kind::retime: return "retime";
    }
    throw std::invalid_argument("unknown timeline curation kind");
}

TimelineCuration::Kind curation_kind_from(const std::string& s) {
    if (s == "add") return TimelineCuration::Kind::add;
    if (s == "hide") return TimelineCuration::Kind::hide;
    if (s == "show") return TimelineCuration::Kind::show;
    if (s == "edit") return TimelineCuration::Kind::edit;
    if (s == "retime") return TimelineCuration::Kind::retime;
    throw std::runtime_error("stored timeline curation has unknown kind '" + s + "'");
}

std::string buttons_json(const std::vector<OutboundButton>& buttons) {
    auto list = nlohmann::json::array();
    for (const auto& b : buttons) list.push_back({{"label", b.label}, {"action", b.action}, {"value", b.value}});
    return list.dump();
}

std::vector<OutboundButton> buttons_from_json(const std::string& text) {
    std::vector<OutboundButton> out;
    for (const auto& b : nlohmann::json::parse(text))
        out.push_back({b.at("label").get<std::string>(), b.at("action").get<std::string>(),
                       b.at("value").get<std::string>()});
    return out;
}

}  // namespace hindsight::storage
