# A small W3C WebDriver client in POSIX shell (curl + jq), for the browser
# tests of the web front-end. Source it, then:
#   wd_start DIR         starts chromedriver and a headless Chromium session
#   wd_go URL            navigates
#   wd_el CSS            prints the element id of the first match (or fails)
#   wd_type CSS TEXT     clears the element and types TEXT into it
#   wd_click CSS         clicks
#   wd_select CSS VALUE  picks an <option> by value (keyboard-free, as a user's click)
#   wd_js SCRIPT [ARGS_JSON]  runs a function body, prints its JSON result
#   wd_js_async SCRIPT [ARGS_JSON]  the same for a body that calls back
#   wd_wait SCRIPT [SECS]     polls until the script returns true
#   wd_shot FILE         saves a PNG screenshot
#   wd_size W H          resizes the window
#   wd_severe            prints the console's SEVERE messages
#   wd_stop              ends the session and chromedriver
# Everything talks to the real browser over the WebDriver JSON protocol.
# Needs: chromedriver (Debian chromium-driver), chromium, curl, jq.

WD_ELEM=element-6066-11e4-a52e-4f735466cecf
WD_URL= WD_SID= WD_PID= WD_DIR=

# wd_req METHOD PATH [JSON] -> the answer's "value" on stdout; 1 on a
# WebDriver error (printed on stderr).
wd_req() {
    _m=$1 _p=$2 _b=${3:-}
    if [ -n "$_b" ]; then
        _r=$(curl -s -X "$_m" -H 'Content-Type: application/json' --data-binary "$_b" "$WD_URL$_p")
    else
        _r=$(curl -s -X "$_m" "$WD_URL$_p")
    fi
    # One jq per call (the machine is shared): the value, or exit 5 on a
    # WebDriver error object.
    if ! printf '%s' "$_r" | jq -c 'if (.value | type) == "object" and (.value | has("error")) then halt_error(5) else .value end' 2> /dev/null; then
        echo "webdriver $_m $_p: ${_r:-no answer}" | cut -c1-400 >&2
        return 1
    fi
}

wd_start() {
    WD_DIR=$1
    mkdir -p "$WD_DIR/profile"
    chromedriver --port=0 > "$WD_DIR/chromedriver.log" 2>&1 &
    WD_PID=$!
    _i=0
    while ! grep -q 'started successfully on port' "$WD_DIR/chromedriver.log" 2>/dev/null && [ $_i -lt 100 ]; do
        sleep 0.05; _i=$((_i + 1))
    done
    _port=$(sed -n 's/.*started successfully on port \([0-9]*\).*/\1/p' "$WD_DIR/chromedriver.log")
    [ -n "$_port" ] || { cat "$WD_DIR/chromedriver.log" >&2; return 1; }
    WD_URL="http://127.0.0.1:$_port"
    # The flags that work on a headless CI machine without a GPU or
    # network; a fresh profile so no state leaks between runs.
    _caps=$(jq -cn --arg dir "$WD_DIR/profile" --arg bin "${PW_CHROMIUM:-/usr/bin/chromium}" '{capabilities: {alwaysMatch: {
        browserName: "chrome", "goog:chromeOptions": {binary: $bin, args: ["--headless", "--no-sandbox",
        "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
        "--window-size=1280,900", ("--user-data-dir=" + $dir)]}, "goog:loggingPrefs": {browser: "ALL"}}}}')
    WD_SID=$(wd_req POST /session "$_caps" | jq -r '.sessionId') || return 1
    [ -n "$WD_SID" ] && [ "$WD_SID" != null ]
}

wd_stop() {
    [ -n "$WD_SID" ] && wd_req DELETE "/session/$WD_SID" > /dev/null 2>&1
    WD_SID=
    if [ -n "$WD_PID" ]; then
        kill "$WD_PID" 2>/dev/null
        wait "$WD_PID" 2>/dev/null
    fi
    WD_PID=
}

wd_go() { wd_req POST "/session/$WD_SID/url" "$(jq -cn --arg u "$1" '{url: $u}')" > /dev/null; }

wd_el() {
    _v=$(wd_req POST "/session/$WD_SID/element" "$(jq -cn --arg s "$1" '{using: "css selector", value: $s}')") ||
        return 1
    printf '%s' "$_v" | jq -er --arg k "$WD_ELEM" '.[$k]'
}

wd_type() {
    _e=$(wd_el "$1") || return 1
    wd_req POST "/session/$WD_SID/element/$_e/clear" '{}' > /dev/null || return 1
    wd_req POST "/session/$WD_SID/element/$_e/value" "$(jq -cn --arg t "$2" '{text: $t}')" > /dev/null
}

wd_click() {
    _e=$(wd_el "$1") || return 1
    wd_req POST "/session/$WD_SID/element/$_e/click" '{}' > /dev/null
}

wd_select() { wd_click "$1 option[value=\"$2\"]"; }

wd_js() {
    wd_req POST "/session/$WD_SID/execute/sync" \
        "$(jq -cn --arg s "$1" --argjson a "${2:-[]}" '{script: $s, args: $a}')"
}

# Runs an async function body: its last argument is the callback to call
# with the result (for scripts that await, e.g. a dynamic import).
wd_js_async() {
    wd_req POST "/session/$WD_SID/execute/async" \
        "$(jq -cn --arg s "$1" --argjson a "${2:-[]}" '{script: $s, args: $a}')"
}

# Polls SCRIPT (a function body returning a boolean) every 0.1 s.
wd_wait() {
    _n=$(( ${2:-20} * 10 ))
    _i=0
    while [ $_i -lt $_n ]; do
        [ "$(wd_js "$1")" = true ] && return 0
        sleep 0.1; _i=$((_i + 1))
    done
    echo "webdriver: timed out waiting for: $1" >&2
    return 1
}

wd_shot() { wd_req GET "/session/$WD_SID/screenshot" | jq -r . | base64 -d > "$1"; }

wd_size() { wd_req POST "/session/$WD_SID/window/rect" "$(jq -cn --argjson w "$1" --argjson h "$2" '{width: $w, height: $h}')" > /dev/null; }

# The browser's console messages of level SEVERE since the last call
# (script errors, CSP refusals, failed loads), one per line.
wd_severe() {
    wd_req POST "/session/$WD_SID/se/log" '{"type":"browser"}' | jq -r '.[] | select(.level == "SEVERE") | .message'
}
