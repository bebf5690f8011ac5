#include "adapters/console/console.hpp"

namespace hindsight::console {

// A payments outage as a real channel has it: alerts, guesses, chatter,
// a rollback that doesn't help, the actual fix, the follow-up, and last the
// postmortem document as it stands after the follow-up.
const char* demo_script() {
    return R"(# Hindsight demo: checkout errors after a config change.
:channel inc-checkout-errors
:user maya
/incident open Checkout API returning 5xx sev:2
PagerDuty alert: checkout-api 5xx error rate 18% (threshold 2%)
:advance 1m
I'm on call, looking at the dashboards now
:user dev
:advance 1m
joining
:user maya
error rate still climbing, p99 latency on checkout is 9s
:advance 1m
:user sam
I'll update the status page: "investigating elevated checkout errors"
:user tom
Support here: customers report "payment failed" on web and mobile, 40+ tickets in 10 min
:user maya
thanks Tom
:advance 1m
:user dev
ok
:user lena
:advance 1m
looping in payments, I'm here
:user dev
I think it might be the 14:20 deploy of checkout-api, it went out right before the alert
:advance 1m
:user lena
that deploy only touched the receipt template, seems unlikely but can't rule it out
:user maya
+1
:advance 1m
:user dev
db connections on payments-db are at 500/500, pool is exhausted
:advance 1m
:user lena
looks like every request holds a connection while it waits on the fraud service
:user maya
fraud-service p99 is 8s, normally 200ms
:advance 1m
:user sam
👍
:user maya
/incident note Payments DB connection pool exhausted (500/500); fraud-service p99 8s
:advance 2m
:user dev
let's roll back checkout-api to the previous release to rule it out
:user maya
agreed, go
:advance 1m
:user dev
rolling back checkout-api to v2024.11.3
:advance 4m
:user dev
rollback done
:advance 1m
:user maya
no change, error rate still 17%
:user sam
status page updated
:user dev
ugh
:user lena
so it's not the deploy
:advance 1m
:user lena
fraud-service had a config change at 14:05: timeout raised from 1s to 10s
:user dev
that would explain it, requests pile up behind the slow fraud calls
:advance 1m
:user sam
how many customers affected so far?
:user tom
about 2,300 failed checkouts since 14:25 by my count
:user maya
ok
:advance 1m
:user lena
decided: revert the fraud-service timeout to 1s and fail open on timeout
:user maya
do it
:advance 2m
:user lena
reverted fraud-service config, restarting the pods
:advance 3m
:user dev
connections dropping: 310/500
:user maya
error rate dropping, 6% now
:advance 4m
:user dev
pool at 80/500
:user maya
error rate back to normal, 0.3%
:advance 2m
:user tom
support confirms new checkouts are going through
:user sam
great work everyone 🎉
:user lena
thanks all
:user maya
/incident note Mitigated: fraud-service timeout reverted to 1s, checkout recovered
:advance 10m
:user maya
monitoring for a bit longer before we close
:user tom
I'll reply to the open tickets with the all-clear once you close
:user maya
sounds good
:advance 15m
:user maya
all clear, resolved
/incident impact About 2,300 checkouts failed over 38 minutes on web and mobile; no double charges.
/incident started 14:24
/incident close Fraud-service timeout change exhausted the payments DB connection pool
/incident why A config change raised the fraud-service timeout from 1s to 10s, so checkout requests held DB connections for up to 10s
/incident why The timeout change was reviewed as low-risk and went out without a canary
/incident why Config changes skip the canary stage that code deploys get
/incident why The deploy pipeline treats config as data, not as a release
/incident why We never modelled config changes as a risk to dependent services
/incident factor config-change-without-canary
/incident factor missing-connection-pool-alert
:user dev
/incident action @dev Route fraud-service config changes through the canary stage due:+7d
/incident action @lena Alert when payments-db pool usage > 80% for 2 minutes due:+3d
/incident action @maya Add a circuit breaker around fraud-service calls in checkout due:+14d
/incident actions
:user maya
/incident timeline hide 2
:advance 4d
:user lena
/incident done A-2
:advance 4d
# Eight days later: A-1 is overdue and dev gets a nudge.
# The document the team leaves with: A-2 done, A-1 still open.
:user maya
/incident postmortem
)";
}

}  // namespace hindsight::console
