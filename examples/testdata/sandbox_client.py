"""A client of the sandbox in another language: Python's standard library only.

It drives cmd/xpay-sandbox the way a PHP, Python or Node team would: the
control API to seed state, inject faults, pay links and move the clock, and
XPay's own routes, signed and checked with the MAC formulas of docs/sandbox.md.

    python3 sandbox_client.py BASE_URL ALIAS SECRET

It prints "ok" and exits 0, or says what failed and exits 1.
"""

import datetime
import hashlib
import http.server
import json
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

BASE, ALIAS, SECRET = sys.argv[1], sys.argv[2], sys.argv[3]


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


def sha1(text):
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def http_json(method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(BASE + path, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def control(method, what, body=None, want=200):
    status, out = http_json(method, "/_sandbox/" + what, body)
    check(status == want, "%s /_sandbox/%s: HTTP %d %s" % (method, what, status, out))
    return out


def xpay(path, fields, mac_names):
    """A signed back-office call: MAC = sha1 of name=value for each MAC field, in order, then the secret."""
    body = dict(fields, apiKey=ALIAS, timeStamp=str(int(time.time() * 1000)))
    body["mac"] = sha1("".join("%s=%s" % (n, body.get(n, "")) for n in mac_names) + SECRET)
    status, out = http_json("POST", "/" + path, body)
    check(status == 200, "%s: HTTP %d" % (path, status))
    # The answer's MAC: sha1("esito=...idOperazione=...timeStamp=..." + secret).
    want = sha1("esito=%s" % out["esito"] + "idOperazione=%s" % out["idOperazione"] + "timeStamp=%s" % out["timeStamp"] + SECRET)
    check(out.get("mac") == want, "%s: the answer's MAC does not verify: %s" % (path, out))
    return out


CODE = ["apiKey", "codiceTransazione", "timeStamp"]
MONEY = ["apiKey", "codiceTransazione", "divisa", "importo", "timeStamp"]

info = control("GET", "")
check(info["alias"] == ALIAS, "the control API names the alias: %s" % info)
control("POST", "reset")

# Seed an order, read it through XPay's route.
control("POST", "orders", {"code": "PY-ORD-1", "amount": 1500})
out = xpay("ecomm/api/bo/situazioneOrdine", {"codiceTransazione": "PY-ORD-1"}, CODE)
check(out["esito"] == "OK" and out["report"][0]["stato"] == "Autorizzato", "the seeded order: %s" % out)
status, out = http_json("POST", "/_sandbox/orders", {"code": "PY-ORD-1", "amount": 1500})
check(status == 400 and "exists" in out["error"], "a second order with the code is refused: %d %s" % (status, out))
status, out = http_json("POST", "/_sandbox/orders", {"code": "PY-ORD-2", "amout": 1})
check(status == 400 and "amout" in out["error"], "a misspelt field is refused: %d %s" % (status, out))

# A capture carried out, whose answer is lost: the requests log shows it.
control("POST", "faults", {"fault": "Capture:reset,processed,times=1"})
try:
    xpay("ecomm/api/bo/contabilizza", {"codiceTransazione": "PY-ORD-1", "importo": "1500", "divisa": "978"}, MONEY)
    fail("the capture's answer was not lost")
except (urllib.error.URLError, ConnectionError):
    pass
received = control("GET", "requests?operation=Capture")
check(len(received) == 1 and received[0]["status"] == 0, "the lost capture is recorded: %s" % received)
check(json.loads(received[0]["request"])["codiceTransazione"] == "PY-ORD-1", "with its body: %s" % received[0])
out = xpay("ecomm/api/bo/situazioneOrdine", {"codiceTransazione": "PY-ORD-1"}, CODE)
check(out["report"][0]["stato"] == "Contabilizzato", "the capture happened: %s" % out["report"][0]["stato"])

# pretix-xpay reads each operation's date so (pretix_xpay/utils.py:72), once an order is captured.
for op in out["report"][0]["dettaglio"][0]["operazioni"]:
    try:
        datetime.datetime.strptime(op["dataOperazione"], "%Y-%m-%d %H:%M:%S.%f")
    except ValueError as e:
        fail("pretix-xpay cannot read dataOperazione %r: %s" % (op["dataOperazione"], e))
order = control("GET", "orders/PY-ORD-1")
check(order["state"] == "Contabilizzato" and order["captured"] == 1500, "the order read back: %s" % order)

# Nexi's elenco-associazioni-cf-pan.py: signs codiceGruppo= (line 29), sends the key gruppo (line 39).
ts = str(int(time.time() * 1000))
gruppo = info["group"]
mac_str = "apiKey=" + ALIAS + "tipo=" + "CodiceFiscale" + "valore=" + "RSSMRA80A01H501U" + "codiceGruppo=" + gruppo + "timeStamp=" + ts + SECRET
body = {"apiKey": ALIAS, "tipo": "CodiceFiscale", "valore": "RSSMRA80A01H501U", "gruppo": gruppo, "timeStamp": ts,
        "mac": hashlib.sha1(mac_str.encode("utf8")).hexdigest()}
status, out = http_json("POST", "/ecomm/api/cfpan/reportAssociazioni", body)
check(out["esito"] == "OK" and len(out["cfpan"]) == 1, "Nexi's Python sample of reportAssociazioni: %s" % out)

# Seeded dates in XPay's own formats; the server's time in Italian time.
control("POST", "orders", {"code": "PY-ORD-2", "amount": 900, "createdAt": "17/06/2024 15:30:00"})
check(control("GET", "orders/PY-ORD-2")["createdAt"] == "2024-06-17T15:30:00+02:00", "a date in XPay's format")
check(info["now"][-6:] in ("+01:00", "+02:00"), "now in Italian time: %s" % info["now"])

# XPay refuses a key it does not know, naming it.
body = {"apikey": ALIAS, "codiceTransazione": "PY-ORD-1", "timeStamp": "1", "mac": "0" * 40}
status, out = http_json("POST", "/ecomm/api/bo/situazioneOrdine", body)
check(out["esito"] == "KO" and out["errore"]["messaggio"] == 'Campo "apikey" non riconosciuto', "unknown key: %s" % out)

# A Pay-by-Link link paid through the control API, notified to a server of ours.
posts = []


class Shop(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        form = urllib.parse.parse_qs(self.rfile.read(length).decode())
        posts.append(form)
        # The shop fails the first notification of PY-PBL-4: XPay tries again.
        failing = form["codTrans"] == ["PY-PBL-4"] and sum(p["codTrans"] == ["PY-PBL-4"] for p in posts) == 1
        self.send_response(500 if failing else 200)
        self.end_headers()

    def log_message(self, *args):
        pass


shop = http.server.HTTPServer(("127.0.0.1", 0), Shop)
threading.Thread(target=shop.serve_forever, daemon=True).start()
notify = "http://127.0.0.1:%d/notify" % shop.server_address[1]
link = {"codiceTransazione": "PY-PBL-1", "importo": "2500", "timeout": "4", "url": "https://shop.example/esito",
        "urlBack": "https://shop.example/carrello", "urlPost": notify}
out = xpay("ecomm/api/bo/richiestaPayMail", link, ["apiKey", "codiceTransazione", "importo", "timeStamp"])
check("payMailUrl" in out, "a link: %s" % out)
paid = control("POST", "links/PY-PBL-1/pay", {"approve": True})
q = urllib.parse.parse_qs(urllib.parse.urlparse(paid["returnUrl"]).query)
signed = "".join("%s=%s" % (n, q.get(n, [""])[0]) for n in ["codTrans", "esito", "importo", "divisa", "data", "orario", "codAut"])
check(q["esito"] == ["OK"] and q["mac"][0] == sha1(signed + SECRET), "the payment result's MAC: %s" % q)
check(len(posts) == 1 and posts[0]["codTrans"] == ["PY-PBL-1"], "the notification reached the shop: %s" % posts)
notes = control("GET", "notifications")
check(len(notes) == 1 and notes[0]["status"] == 200, "the notification and the shop's answer: %s" % notes)
control("POST", "links/NO-SUCH/pay", {"approve": True}, want=404)
status, out = http_json("POST", "/_sandbox/links/PY-PBL-1/pay", {})
check(status == 400 and "approve" in out["error"], "paying needs the choice: %d %s" % (status, out))

# A notification the shop answers with 500 is sent again, a minute later by the sandbox's clock.
xpay("ecomm/api/bo/richiestaPayMail", dict(link, codiceTransazione="PY-PBL-4"), ["apiKey", "codiceTransazione", "importo", "timeStamp"])
control("POST", "links/PY-PBL-4/pay", {"approve": True})
notes = [n for n in control("GET", "notifications") if n["form"]["codTrans"] == ["PY-PBL-4"]]
check(len(notes) == 1 and notes[0]["status"] == 500 and "HTTP 500" in notes[0]["error"], "the failed notification: %s" % notes)
control("POST", "clock", {"advance": "1m"})
notes = [n for n in control("GET", "notifications") if n["form"]["codTrans"] == ["PY-PBL-4"]]
check([(n["attempt"], n["status"]) for n in notes] == [(1, 500), (2, 200)], "sent again: %s" % notes)

# A notification fault, and a cancellation to urlBack.
control("POST", "faults", {"fault": "Notification:twice,times=1"})
xpay("ecomm/api/bo/richiestaPayMail", dict(link, codiceTransazione="PY-PBL-2"), ["apiKey", "codiceTransazione", "importo", "timeStamp"])
back = control("POST", "links/PY-PBL-2/cancel")["backUrl"]
check("esito=ANNULLO" in back and back.startswith("https://shop.example/carrello"), "the cancellation: %s" % back)
control("POST", "links/PY-PBL-2/pay", {"approve": True})
check(len(posts) == 5, "the notification came twice: %d" % len(posts))

# The clock: a 4-hour link has expired 5 hours later.
xpay("ecomm/api/bo/richiestaPayMail", dict(link, codiceTransazione="PY-PBL-3"), ["apiKey", "codiceTransazione", "importo", "timeStamp"])
control("POST", "clock", {"advance": "5h"})
status, out = http_json("POST", "/_sandbox/links/PY-PBL-3/pay", {"approve": True})
check(status == 400 and "expired" in out["error"], "the link expired: %d %s" % (status, out))

# Reset: the seeded order is gone, the demo data is back.
control("POST", "reset")
out = xpay("ecomm/api/bo/situazioneOrdine", {"codiceTransazione": "PY-ORD-1"}, CODE)
check(out["esito"] == "KO" and out["errore"]["codice"] == 2, "after reset: %s" % out)
after = control("GET", "requests")
check([r["operation"] for r in after] == ["GetOrder"], "after reset only the read since is recorded: %s" % after)
print("ok")
