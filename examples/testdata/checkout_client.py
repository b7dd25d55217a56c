"""A shop in another language on the sandbox's payment page: Python's standard library only.

It starts payments the way Nexi's pagamento-semplice sample and pretix-xpay do (a form of
alias, importo, divisa, codTrans, url, url_back and mac, posted to ecomm/ecomm/DispatcherServlet),
and the way Nexi's one-click sample does (the same fields in a GET redirect); it pays, cancels
and refuses on the page, reads the return and the notification, registers a contract with a
first payment and charges it (pagamentoRicorrente), and pays with an XPay Build nonce
(pagaNonce). Every MAC is computed with the formulas of docs/sandbox.md.

    python3 checkout_client.py BASE_URL ALIAS SECRET

It prints "ok" and exits 0, or says what failed and exits 1.
"""

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
PAGE = BASE + "/ecomm/ecomm/DispatcherServlet"


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


def sha1(text):
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def mac_of(pairs):
    """name=value for each pair, in order, then the secret."""
    return sha1("".join("%s=%s" % (n, v) for n, v in pairs) + SECRET)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """A browser step by step: each redirect is shown, not followed."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


browser = urllib.request.build_opener(NoRedirect)


def send(method, url, form=None, content_type="application/x-www-form-urlencoded"):
    data = None if form is None else urllib.parse.urlencode(form).encode()
    req = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", content_type)
    try:
        with browser.open(req, timeout=10) as resp:
            return resp.status, resp.headers, resp.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode()


def redirected(method, url, form=None):
    status, headers, body = send(method, url, form)
    check(status == 303, "%s %s: want a redirect, got HTTP %d %s" % (method, url, status, body[:200]))
    return headers["Location"]


def query(url):
    return {k: v[0] for k, v in urllib.parse.parse_qs(urllib.parse.urlsplit(url).query, keep_blank_values=True).items()}


RESULT = ["codTrans", "esito", "importo", "divisa", "data", "orario", "codAut"]


def verified(params, what):
    """The outcome's MAC: codTrans, esito, importo, divisa, data, orario, codAut."""
    check(params.get("mac") == mac_of([(n, params.get(n, "")) for n in RESULT]), "%s: the MAC does not verify: %s" % (what, params))
    return params


def json_call(method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(BASE + path, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def control(what, body=None):
    status, out = json_call("POST", "/_sandbox/" + what, body)
    check(status == 200, "/_sandbox/%s: HTTP %d %s" % (what, status, out))
    return out


def xpay(path, fields, mac_names):
    """A signed JSON call; the answer's MAC (esito, idOperazione, timeStamp) is checked on KO as on OK."""
    body = dict(fields, apiKey=ALIAS, timeStamp=str(int(time.time() * 1000)))
    body["mac"] = mac_of([(n, body.get(n, "")) for n in mac_names])
    status, out = json_call("POST", "/" + path, body)
    check(status == 200, "%s: HTTP %d" % (path, status))
    check(out.get("mac") == mac_of([("esito", out["esito"]), ("idOperazione", out["idOperazione"]), ("timeStamp", out["timeStamp"])]),
          "%s: the answer's MAC does not verify: %s" % (path, out))
    return out


# The shop: its return pages and its urlpost.
notified = {}
arrived = threading.Condition()


class Shop(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        form = {k: v[0] for k, v in urllib.parse.parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode()).items()}
        with arrived:
            notified[form.get("codTrans")] = form
            arrived.notify_all()
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"OK")

    def log_message(self, *args):
        pass


shop = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Shop)
threading.Thread(target=shop.serve_forever, daemon=True).start()
SHOP = "http://127.0.0.1:%d" % shop.server_address[1]


def notification(code):
    """Waits for the notification of code; the minute is a hang guard."""
    with arrived:
        check(arrived.wait_for(lambda: code in notified, timeout=60), "no notification for %s" % code)
        return notified[code]


def request(code, amount, extra=None, mac_pairs=None):
    """The form of Nexi's pagamento-semplice sample: its seven fields, and urlpost."""
    fields = {"alias": ALIAS, "importo": amount, "divisa": "EUR", "codTrans": code,
              "url": SHOP + "/esito", "url_back": SHOP + "/annullo", "urlpost": SHOP + "/notifica"}
    fields["mac"] = mac_of(mac_pairs or [("codTrans", code), ("divisa", "EUR"), ("importo", amount)])
    fields.update(extra or {})
    return fields


# 1. A payment by form: the page, the customer pays, the return and the notification.
page = redirected("POST", PAGE, request("PY-CHK-1", "5000"))
check(page.startswith(BASE + "/"), "the page is the sandbox's: %s" % page)
status, _, body = send("GET", page)
check(status == 200 and "PY-CHK-1" in body, "the page shows the order: %d" % status)
back = redirected("POST", page, {"outcome": "approve"})
check(back.startswith(SHOP + "/esito?"), "back to url: %s" % back)
result = verified(query(back), "the return")
check(result["esito"] == "OK" and result["divisa"] == "EUR" and result["importo"] == "5000", "paid: %s" % result)
verified(notification("PY-CHK-1"), "the notification")

# 2. By a GET redirect, as Nexi's one-click sample: the same fields in the query string; the customer refuses.
page = redirected("GET", PAGE + "?" + urllib.parse.urlencode(request("PY-CHK-2", "1200")))
result = verified(query(redirected("POST", page, {"outcome": "decline"})), "a refusal")
check(result["esito"] == "KO", "refused: %s" % result)

# 3. The customer cancels, through the control API: to url_back, ANNULLO, signed.
redirected("POST", PAGE, request("PY-CHK-3", "700"))
back = control("checkouts/PY-CHK-3/cancel")["backUrl"]
check(back.startswith(SHOP + "/annullo?"), "to url_back: %s" % back)
check(verified(query(back), "a cancellation")["esito"] == "ANNULLO", "cancelled: %s" % back)

# 4. What the page refuses lands on url_back, esito ERRORE, unsigned, with a warning.
for form, warning in [
    (request("PY-CHK-4", "900", {"mac": "0" * 40}), "MAC errato"),
    ({k: v for k, v in request("PY-CHK-4", "900").items() if k != "codTrans"}, "codTrans"),
]:
    back = query(redirected("POST", PAGE, form))
    check(back.get("esito") == "ERRORE" and warning in back.get("warning", "") and "mac" not in back, "ERRORE: %s" % back)
status, _, _ = send("POST", PAGE, request("PY-CHK-4", "900"), content_type="text/plain")
check(status == 415, "the form is urlencoded: HTTP %d" % status)

# 5. The first payment of a recurring contract (paga_multi, PP; gruppo sent, not signed), paid through the control API.
info = json_call("GET", "/_sandbox/")[1]
contract = "PY-CNT-00001"
redirected("POST", PAGE, request("PY-REC-1", "999", {"num_contratto": contract, "tipo_servizio": "paga_multi",
                                                   "tipo_richiesta": "PP", "gruppo": info["group"]}))
first = verified(query(control("checkouts/PY-REC-1/pay", {"approve": True})["returnUrl"]), "the first payment")
check(first["esito"] == "OK" and first.get("num_contratto") == contract, "registered: %s" % first)
expiry = first["scadenza_pan"]

# 6. Charges on it: importo before divisa in the MAC, divisa 978, scadenza signed; a repeated code is KO 9, signed too.
RECURRING = ["apiKey", "numeroContratto", "codiceTransazione", "importo", "divisa", "scadenza", "timeStamp"]
charge = {"numeroContratto": contract, "codiceTransazione": "PY-REC-2", "importo": "999", "divisa": "978", "scadenza": expiry}
out = xpay("ecomm/api/recurring/pagamentoRicorrente", charge, RECURRING)
check(out["esito"] == "OK" and out["codiceAutorizzazione"] and out["data"] and out["ora"], "charged: %s" % out)
out = xpay("ecomm/api/recurring/pagamentoRicorrente", charge, RECURRING)
check(out["esito"] == "KO" and out["errore"]["codice"] == 9, "a repeated code: %s" % out)

# 7. XPay Build: the nonce's own MAC first, then pagaNonce.
nonce = control("nonces", {"transactionCode": "PY-BLD-1", "amount": 2500, "approve": True})
check(nonce["mac"] == mac_of([("esito", nonce["esito"]), ("idOperazione", nonce["idOperazione"]),
                              ("xpayNonce", nonce["xpayNonce"]), ("timeStamp", nonce["timeStamp"])]), "the nonce's MAC: %s" % nonce)
out = xpay("ecomm/api/hostedPayments/pagaNonce",
           {"codiceTransazione": "PY-BLD-1", "importo": 2500, "divisa": "978", "xpayNonce": nonce["xpayNonce"]},
           ["apiKey", "codiceTransazione", "importo", "divisa", "xpayNonce", "timeStamp"])
check(out["esito"] == "OK" and out["codiceAutorizzazione"], "paid with the nonce: %s" % out)

shop.shutdown()
print("ok")
