"""An unmodified client: GET http://<host>:<port><path>, no proxy configured; prints the status
and the body, or ERROR and the reason."""
import sys
import urllib.error
import urllib.request

url = "http://%s:%s%s" % (sys.argv[1], sys.argv[2], sys.argv[3])
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
try:
    with opener.open(url, timeout=20) as response:
        print(response.status, response.read().decode())
except urllib.error.HTTPError as e:
    print(e.code, e.read().decode())
except Exception as e:  # noqa: BLE001 - the test prints whatever went wrong
    print("ERROR", repr(e))
