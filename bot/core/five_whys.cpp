#include "bot/core/five_whys.hpp"

#include "bot/core/blameless.hpp"
#include "bot/core/postmortem.hpp"
#include "bot/core/text.hpp"

#include <set>

namespace hindsight {

namespace {

constexpr int max_whys = 5;
constexpr std::size_t max_quoted_chars = 200;

std::string question_about(std::string_view subject) {
    return "Why did \"" + shorten(collapse_whitespace(subject), max_quoted_chars) + "\" happen?";
}

// The question step `n` answers: the first is about the incident, every
// later one about the previous answer.
std::string question_for(const Incident& incident, const std::vector<WhyStep>& whys, int n) {
    if (n > 1)
        for (const auto& w : whys)
            if (w.n == n - 1) return question_about(w.answer);
    return question_about(why_subject(incident));
}

bool chain_complete(const Incident& incident, const std::vector<WhyStep>& whys) {
    return !incident.root_cause.empty() || static_cast<int>(whys.size()) >= max_whys;
}



std::string root_cause_recorded(const std::string& root_cause) {
    return "\n🎯 **Root cause recorded:** " + root_cause +
           "\nNext: turn it into an action item that changes the system — "
           "`/incident action @owner <what will change> due:<when>`.";
}

}  // namespace

std::string render_chain(const Incident& incident, const std::vector<WhyStep>& whys) {
    std::string out = "**Five whys** — " + incident.title;
    for (const auto& w : whys)
        out += "\n" + std::to_string(w.n) + ". " + question_for(incident, whys, w.n) + "\n    → " + w.answer;
    return out;
}

std::string next_step_prompt(const Incident& incident, const std::vector<WhyStep>& whys) {
    if (chain_complete(incident, whys)) {
        std::string out = "\n🎯 **Root cause:** " + (incident.root_cause.empty() ? whys.back().answer : incident.root_cause);
        out += "\nNext: turn it into an action item that changes the system — "
               "`/incident action @owner <what will change> due:<when>`. Fix a step with `/incident why edit <n> <text>`.";
        return out;
    }
    int n = static_cast<int>(whys.size()) + 1;
    std::string out = "\n**" + std::to_string(n) + ". " + question_for(incident, whys, n) + "**";
    out += "\nAnswer with `/incident why <answer>`";
    out += whys.empty() ? " — describe what the system allowed, not who did what."
                        : "; `/incident rootcause <text>` ends the chain early.";
    return out;
}

CommandReply cmd_why(CommandContext& ctx, const Command& c) {
    Incident incident = *ctx.incident;
    auto whys = ctx.store.whys(incident.id);

    if (c.kind == Command::Kind::why_edit) {
        auto it = std::find_if(whys.begin(), whys.end(), [&](const WhyStep& w) { return w.n == c.number; });
        if (it == whys.end())
            return reply_ephemeral("There is no step " + std::to_string(c.number) + " yet — the chain has " +
                                   count_of(static_cast<long long>(whys.size()), "answer", "answers") +
                                   ". `/incident why` shows it.");
        std::string previous = it->answer;
        it->answer = c.text;
        it->author_id = ctx.command.user_id;
        it->at = ctx.now;
        ctx.store.set_why(*it);
        std::string out = "✏️ Step " + std::to_string(c.number) + " corrected.\n" + render_chain(incident, whys);
        // The fifth answer is the root cause; correcting it corrects both.
        if (c.number == static_cast<int>(whys.size()) && incident.root_cause == previous) {
            incident.root_cause = c.text;
            ctx.store.update_incident(incident);
            out += "\nThe root cause now reads the same.";
        }
        out += next_step_prompt(incident, whys);
        return reply_in_channel(out + blameless_hint(c.text, BlameContext::why_answer));
    }

    if (c.text.empty()) return reply_ephemeral(render_chain(incident, whys) + next_step_prompt(incident, whys));

    if (chain_complete(incident, whys))
        return reply_ephemeral("The five whys are complete — root cause: " +
                               (incident.root_cause.empty() ? whys.back().answer : incident.root_cause) +
                               "\nCorrect a step with `/incident why edit <n> <text>`, or restate the root cause "
                               "with `/incident rootcause <text>`.");

    WhyStep step;
    step.incident_id = incident.id;
    step.n = static_cast<int>(whys.size()) + 1;
    step.answer = c.text;
    step.author_id = ctx.command.user_id;
    step.at = ctx.now;
    ctx.store.set_why(step);
    whys.push_back(step);

    std::string out = render_chain(incident, whys);
    if (step.n == max_whys) {
        incident.root_cause = c.text;
        ctx.store.update_incident(incident);
        out += root_cause_recorded(c.text);
    } else {
        out += next_step_prompt(incident, whys);
    }
    return reply_in_channel(out + blameless_hint(c.text, BlameContext::why_answer));
}

CommandReply cmd_rootcause(CommandContext& ctx, const Command& c) {
    Incident incident = *ctx.incident;
    std::string previous = incident.root_cause;
    incident.root_cause = c.text;
    ctx.store.update_incident(incident);
    auto whys = ctx.store.whys(incident.id);
    std::string out = whys.empty() ? std::string("**Five whys** — " + incident.title) : render_chain(incident, whys);
    out += root_cause_recorded(c.text);
    if (!previous.empty() && previous != c.text) out += "\n_(Replaces the earlier root cause: " + previous + ")_";
    return reply_in_channel(out + blameless_hint(c.text, BlameContext::why_answer));
}

// ---- contributing factors

CommandReply cmd_factor(CommandContext& ctx, const Command& c) {
    ctx.store.add_factor(ctx.incident->id, c.text);
    std::string listed;
    for (const auto& tag : ctx.store.factors(ctx.incident->id)) listed += (listed.empty() ? "`" : ", `") + tag + "`";
    return reply_in_channel("🏷️ Contributing factor tagged: `" + c.text + "`.\nFactors of this incident: " + listed +
                            ".\n`/incident patterns` shows which factors recur across postmortems.");
}

}  // namespace hindsight
