# The web front-end's translations (docs/registry.md, Languages): the files
# data/web/i18n/{en,ru,kk}.json against each other and against the sources.
# Fails when:
#   - a file is not a flat JSON object of non-empty strings;
#   - a key is in one language and not in another;
#   - a key the page uses is in no file: keys written in the JS and HTML
#     (t('ns.key'), data-i18n="...", and quoted 'ns.key' strings), and the
#     families built at run time from data (a view's nav.NAME, a dashboard
#     card, a group-by option, a withheld part, a review state, a TOP
#     trend, and for forms.json every form, field, legend, value and role;
#     the flags report's reason codes; the survival chart's group names:
#     every substance, every built-in regime, "all");
#   - a Russian or Kazakh string has Latin words and no Cyrillic letter (an
#     English placeholder left in place of a translation);
#   - a {placeholder} differs between the languages of a key.
# Needs jq. No server: it reads the files in the source tree.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
WEB=${PW_WEB_DIR:-$HERE/../../data/web}
FAILS=0
fail() { echo "FAIL: $*" >&2; FAILS=$((FAILS + 1)); }
ok() { echo "ok: $*"; }
command -v jq > /dev/null || { echo "jq not installed" >&2; exit 1; }

for l in en ru kk; do
    f="$WEB/i18n/$l.json"
    if jq -e 'type == "object" and ([.[] | select(type != "string" or . == "")] | length == 0)' "$f" > /dev/null 2>&1; then
        ok "$l.json: $(jq length "$f") non-empty strings"
    else
        fail "$l.json is not a flat object of non-empty strings"
    fi
done
for l in ru kk; do
    d=$(jq -rn --slurpfile a "$WEB/i18n/en.json" --slurpfile b "$WEB/i18n/$l.json" \
        '(($a[0] | keys) - ($b[0] | keys) | map("missing in '$l': " + .)) + (($b[0] | keys) - ($a[0] | keys) | map("only in '$l': " + .)) | .[]')
    [ -z "$d" ] && ok "en and $l have the same keys" || fail "$d"
done

# Every key the page needs.
NEED=$(mktemp)
trap 'rm -f "$NEED"' EXIT
NS='app|nav|signin|common|by|col|dash|out|surv|ep|part|state|trend|queue|rec|aud|usr|err|field|form|val'
# Keys written out in the sources: t('k'), t(`k`), data-i18n*="k", 'k' in arrays.
grep -ohE "['\`\"]($NS)\.[a-zA-Z0-9_.]+['\`\"]" "$WEB/app.js" "$WEB"/js/*.js | tr -d "'\`\"" | grep -vE '\.$|\.[A-Z]+$' >> "$NEED"
grep -ohE 'data-i18n(-placeholder|-aria-label)?="[^"]+"' "$WEB/index.html" | sed -E 's/.*="//; s/"$//' >> "$NEED"
# Families built at run time.
sed -n "s/^export const name = '\([a-z]*\)';/nav.\1/p" "$WEB"/js/*.js >> "$NEED"
sed -n "s/.*{ kind: '\([a-z]*\)'.*/dash.card.\1/p" "$WEB/js/dashboard.js" >> "$NEED"
grep -ohE '<option value="[a-z_]+" data-i18n' "$WEB/index.html" | sed -E 's/<option value="([a-z_]+)".*/by.\1/' >> "$NEED"
for s in upcoming held missed; do echo "state.$s"; done >> "$NEED"
sed -n "s/^  \['\([a-z_]*\)', (r) =>.*/trend.\1/p" "$WEB/js/episode.js" >> "$NEED"
# The parts the server may withhold (report_episode.c).
grep -ohE 'json_array_append_new\(withheld, json_string\("[a-z]+"\)' "$HERE/../../src/registry/report_episode.c" |
    sed -E 's/.*json_string\("([a-z]+)"\).*/part.\1/' >> "$NEED"
jq -r '.records[] | .type as $t | "form.\($t)",
    (.fields[] | select(.name) | "field.\(.name)", ((.options // []) + (.suggest // []) | .[] | "val.\(.)")),
    ([.fields[] | select(.legend)] | to_entries[] | "form.\($t).legend\(.key + 1)")' "$WEB/forms.json" >> "$NEED"
jq -r '.roles[] | "val.\(.)"' "$WEB/forms.json" >> "$NEED"
# The reasons of the flags report, said from their codes (report_outcomes.c:
# add_reason's {"code": ...} and the programmes' measures).
SRC="$HERE/../../src/registry/report_outcomes.c"
grep -ohE '"code", "[a-z_]+"' "$SRC" | sed -E 's/.*"([a-z_]+)"$/dash.flag.\1/' >> "$NEED"
grep -ohE '"measure", "[a-z_]+"' "$SRC" | sed -E 's/.*"([a-z_]+)"$/dash.flag.programme.\1/' >> "$NEED"
# The survival chart's group names: every substance of the code list,
# every built-in regime, and the one group without grouping.
sed -n 's/^  - {name: \([a-z_]*\),.*/val.\1/p' "$HERE/../../data/codes/substances.yaml" >> "$NEED"
sed -n 's/^name: \([a-z-]*\)$/val.\1/p' "$HERE"/../../data/regimes/*.yaml >> "$NEED"
echo val.all >> "$NEED"
n=$(sort -u "$NEED" | wc -l)
miss=$(sort -u "$NEED" | jq -R . | jq -rs --slurpfile en "$WEB/i18n/en.json" '.[] as $k | select($en[0] | has($k) | not) | $k')
[ -z "$miss" ] && ok "all $n keys the page uses are in the files" || fail "keys used but in no file: $(echo $miss)"
# The scan finds something: a broken pattern must not pass silently.
[ "$n" -gt 300 ] && ok "the scan found $n keys (more than 300)" || fail "the scan found only $n keys"

# Translations, not placeholders: a Russian or Kazakh string with Latin
# words (placeholders and the product's name aside) has Cyrillic too.
for l in ru kk; do
    bad=$(jq -r 'to_entries[] | select((.value | gsub("\\{[a-z_]+\\}"; "") | gsub("pathways|TOP|JSON|UTC|ID|CFR|THC|docs/registry.md|log-log"; "") | test("[A-Za-z]{2,}")) and (.value | test("[А-Яа-яЁёӘәҒғҚқҢңӨөҰұҮүҺһІі]") | not)) | .key' "$WEB/i18n/$l.json")
    [ -z "$bad" ] && ok "$l: every string is translated" || fail "$l: English left in: $(echo $bad)"
done
# The same {placeholders} in every language of a key.
for l in ru kk; do
    bad=$(jq -rn --slurpfile a "$WEB/i18n/en.json" --slurpfile b "$WEB/i18n/$l.json" '
        def ph: [scan("\\{[a-z_]+\\}")] | unique;
        $a[0] | to_entries[] | select(($b[0][.key] // "") as $o | (.value | ph) != ($o | ph)) | .key')
    [ -z "$bad" ] && ok "$l: placeholders match English" || fail "$l: placeholders differ: $(echo $bad)"
done

echo "$FAILS failure(s)"
[ "$FAILS" -eq 0 ]
