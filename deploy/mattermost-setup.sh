#!/usr/bin/env bash
# Connects a Mattermost team to Hindsight with mmctl: the server settings the
# integrations need, the bot account and its access token, the /incident slash
# command and (optionally) an outgoing webhook for a standing public incident
# channel. Prints the secrets Hindsight needs at the end.
#
# Run it as a system admin with mmctl already logged in
# (`mmctl auth login https://chat.example.com --name main --username admin`),
# or on the Mattermost host with `--local`. Safe to run again: existing
# settings, the bot, the command and the webhook are kept, not duplicated.
#
# See deploy/mattermost-setup.md for what each step does and why.
set -euo pipefail

usage() {
    cat <<'EOF'
usage: mattermost-setup.sh --team TEAM --admin USER --site-url URL --hindsight-url URL [options]

  --team NAME              team (name) that gets the /incident command
  --admin USER             the admin who owns the slash command (a bot can't)
  --site-url URL           Mattermost site URL, e.g. https://chat.example.com
  --hindsight-url URL      where Mattermost reaches Hindsight, e.g. https://hindsight.example.com
  --bot NAME               bot account username (default: hindsight)
  --channel NAME           also add the bot to this channel of the team (repeatable)
  --webhook-channel NAME   create an outgoing webhook for this PUBLIC channel (needs MM_ADMIN_TOKEN:
                           mmctl only creates hooks with trigger words, this one must fire on every post)
  --allow-internal HOSTS   set ServiceSettings.AllowedUntrustedInternalConnections (space-separated
                           hosts/CIDRs) when Hindsight is on a private or loopback address
  --local                  use mmctl's local mode (on the Mattermost host)
EOF
}

team="" admin="" site_url="" hindsight_url="" bot="hindsight" webhook_channel="" allow_internal=""
channels=()
mmctl_flags=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --team) team="$2"; shift 2 ;;
        --admin) admin="$2"; shift 2 ;;
        --site-url) site_url="${2%/}"; shift 2 ;;
        --hindsight-url) hindsight_url="${2%/}"; shift 2 ;;
        --bot) bot="$2"; shift 2 ;;
        --channel) channels+=("$2"); shift 2 ;;
        --webhook-channel) webhook_channel="$2"; shift 2 ;;
        --allow-internal) allow_internal="$2"; shift 2 ;;
        --local) mmctl_flags+=(--local); shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
    esac
done
if [[ -z "$team" || -z "$admin" || -z "$site_url" || -z "$hindsight_url" ]]; then
    usage >&2
    exit 2
fi
command -v mmctl >/dev/null || { echo "mmctl not found (it ships with the Mattermost server)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "python3 not found (used to read mmctl's --json output)" >&2; exit 1; }

mm() { mmctl "${mmctl_flags[@]}" "$@"; }
# --format json (hidden in newer mmctl, where --json is its alias) works on old and new releases.
mm_json() { mmctl "${mmctl_flags[@]}" --format json "$@"; }
# json_get KEY: the KEY field of the JSON object (or first array element) on stdin.
json_get() {
    python3 -c 'import json, sys
v = json.load(sys.stdin)
v = v[0] if isinstance(v, list) and v else v
print(v.get(sys.argv[1], "") if isinstance(v, dict) else "")' "$1"
}
# json_has FIELD VALUE: exit 0 when an object in the JSON array on stdin has FIELD == VALUE.
json_has() {
    python3 -c 'import json, sys
text = sys.stdin.read().strip()
v = json.loads(text) if text else []
v = v or []
v = v if isinstance(v, list) else [v]
sys.exit(0 if any(isinstance(o, dict) and o.get(sys.argv[1]) == sys.argv[2] for o in v) else 1)' "$1" "$2"
}

echo "== server settings"
mm config set ServiceSettings.EnableCommands true
mm config set ServiceSettings.EnableBotAccountCreation true
# Bot access tokens are personal access tokens underneath.
mm config set ServiceSettings.EnableUserAccessTokens true
if [[ -n "$webhook_channel" ]]; then
    mm config set ServiceSettings.EnableOutgoingWebhooks true
fi
if [[ -n "$allow_internal" ]]; then
    # Without it Mattermost refuses to call a private address: commands and
    # button clicks would fail before reaching Hindsight.
    mm config set ServiceSettings.AllowedUntrustedInternalConnections "$allow_internal"
fi

echo "== bot account @$bot"
bot_token=""
if mm_json bot list --all | json_has username "$bot"; then
    echo "bot @$bot exists; keeping it (its existing tokens stay valid)"
else
    mm bot create "$bot" --display-name "Hindsight" --description "Blameless postmortems for incident channels"
    bot_token="$(mm_json token generate "$bot" "hindsight" | json_get token)"
fi
mm team users add "$team" "$bot"
for channel in "${channels[@]}"; do
    mm channel users add "$team:$channel" "$bot"
done

echo "== /incident slash command in $team"
command_token=""
if mm_json command list "$team" | json_has trigger incident; then
    echo "/incident exists in $team; keeping it (its token is under Integrations → Slash Commands)"
else
    command_token="$(mm_json command create "$team" --title "Hindsight" \
        --description "Incident recording and blameless postmortems" --trigger-word incident \
        --url "$hindsight_url/mattermost/commands" --creator "$admin" --post --autocomplete \
        --autocompleteDesc "Run an incident: open, note, status, close, help" \
        --autocompleteHint "open <title> [sev:1-4] | note <text> | close [summary] | help" | json_get token)"
fi

hook_token=""
if [[ -n "$webhook_channel" ]]; then
    echo "== outgoing webhook for ~$webhook_channel"
    : "${MM_ADMIN_TOKEN:?set MM_ADMIN_TOKEN (a system admin personal access token) for --webhook-channel}"
    api() { curl -fsS -H "Authorization: Bearer $MM_ADMIN_TOKEN" -H "Content-Type: application/json" "$@"; }
    channel_json="$(api "$site_url/api/v4/teams/name/$team/channels/name/$webhook_channel")"
    channel_id="$(json_get id <<<"$channel_json")"
    team_id="$(json_get team_id <<<"$channel_json")"
    hooks="$(api "$site_url/api/v4/hooks/outgoing?team_id=$team_id&per_page=200")"
    if json_has channel_id "$channel_id" <<<"$hooks"; then
        echo "a webhook for ~$webhook_channel exists; keeping it"
    else
        hook_token="$(api -X POST "$site_url/api/v4/hooks/outgoing" -d "{\"team_id\":\"$team_id\",\"channel_id\":\"$channel_id\",
            \"display_name\":\"Hindsight\",\"trigger_words\":[],\"callback_urls\":[\"$hindsight_url/mattermost/events\"],
            \"content_type\":\"application/json\"}" | json_get token)"
    fi
fi

echo
echo "== for Hindsight (keep these secret; each is shown only now)"
[[ -n "$bot_token" ]] && echo "HINDSIGHT_MATTERMOST_BOT_TOKEN=$bot_token"
new_tokens=()
[[ -n "$command_token" ]] && new_tokens+=("$command_token")
[[ -n "$hook_token" ]] && new_tokens+=("$hook_token")
if [[ ${#new_tokens[@]} -gt 0 ]]; then
    (IFS=,; echo "HINDSIGHT_MATTERMOST_TOKENS=${new_tokens[*]}  # plus the tokens of other teams' commands")
fi
echo "mattermost.url: $site_url"
echo
echo "Then invite @$bot to each incident channel (private ones too) and try: /incident help"
