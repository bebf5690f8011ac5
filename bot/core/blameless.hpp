// Blameless-language check (docs/rules.md) and action-item quality. Rules are
// one table each (blameless.cpp); every row is tested. Findings are advice:
// the text is kept as written.
#pragma once

#include "bot/core/incident.hpp"

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hindsight {

struct BlameFinding {
    std::string rule;        // the rule id, e.g. "person-as-subject", "should-have"
    std::string matched;     // the words that matched, as written
    std::string suggestion;  // a gentle, specific rewrite hint
};

enum class BlameContext { timeline_note, why_answer, impact, action_item };

// Findings for `text` written in `context`; empty when it reads blameless.
// At most one finding per rule and matched phrase.
std::vector<BlameFinding> check_blameless(std::string_view text, BlameContext context);

// Action-item quality: missing owner, missing due date, vague wording
// ("look into", "investigate", "improve monitoring" without a measurable outcome).
std::vector<BlameFinding> check_action_quality(const ActionItem& item);

// The ids of the blameless rules, in table order (for help texts and tests).
std::vector<std::string_view> blameless_rule_ids();

}  // namespace hindsight
