"""The raw baselines of the gateway measures: a bare eventlet WSGI server, no framework.

    python -m bench.raw_server PORT

- ``GET /projects/<id>``: checks the bearer JWT with the gateway's own ``verify_token`` (same
  secret, issuer, audience) and reads the same stored project (``find_one`` by ``_id``) from the
  same store and database, answering it as JSON;
- ``POST /projects``: checks the JWT, inserts the JSON body as a document with pymongo and
  publishes one event with a confirmed, persistent kombu publish (mandatory, to an exchange with
  a bound queue of the bench's vhost), answering 201.
Configuration comes from the same environment the platform runs with (AMQP_URI, MONGO_URI,
MONGO_DB_PREFIX, JWT_*).
"""
import eventlet

eventlet.monkey_patch()

import json  # noqa: E402
import sys  # noqa: E402
import uuid  # noqa: E402

from eventlet import wsgi  # noqa: E402
from kombu import Connection, Exchange, Queue  # noqa: E402

from services.common.config import load_settings  # noqa: E402
from services.common.mongo import get_client  # noqa: E402
from services.gateway.access.auth import verify_token  # noqa: E402

settings = load_settings()
projects = get_client()[settings.database_name("investments")]["projects"]
raw_writes = get_client()[settings.database_name("bench")]["raw_projects"]
EXCHANGE = Exchange("bench.raw", type="topic", durable=True)
QUEUE = Queue("bench.raw.events", EXCHANGE, routing_key="#", durable=True)
connection = Connection(settings.amqp_uri, transport_options={"confirm_publish": True})
producers = eventlet.queue.LightQueue()


def producer():
    try:
        return producers.get_nowait()
    except eventlet.queue.Empty:
        made = connection.clone().Producer(serializer="json")
        QUEUE.declare(channel=made.channel)
        return made


def answer(start_response, status: str, body) -> list[bytes]:
    data = json.dumps(body, default=str).encode()
    start_response(status, [("Content-Type", "application/json"),
                            ("Content-Length", str(len(data)))])
    return [data]


def app(environ, start_response):
    header = environ.get("HTTP_AUTHORIZATION", "")
    try:
        principal = verify_token(header[len("Bearer "):], settings.jwt_secret,
                                 settings.jwt_issuer, settings.jwt_audience)
    except Exception:
        return answer(start_response, "401 Unauthorized", {"error": "unauthenticated"})
    path = environ["PATH_INFO"]
    if environ["REQUEST_METHOD"] == "GET" and path.startswith("/projects/"):
        doc = projects.find_one({"_id": path[len("/projects/"):]}, {"_outbox": 0})
        if doc is None:
            return answer(start_response, "404 Not Found", {"error": "not_found"})
        doc["id"] = doc.pop("_id")
        return answer(start_response, "200 OK", doc)
    if environ["REQUEST_METHOD"] == "POST" and path == "/projects":
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = json.loads(environ["wsgi.input"].read(length))
        doc = {"_id": str(uuid.uuid4()), **body, "by": principal.subject}
        raw_writes.insert_one(doc)
        made = producer()
        try:
            made.publish({"event_type": "project_registered", "event_id": str(uuid.uuid4()),
                          "payload": body}, exchange=EXCHANGE, routing_key="project_registered",
                         delivery_mode=2, mandatory=True)
        finally:
            producers.put(made)
        doc["id"] = doc.pop("_id")
        return answer(start_response, "201 Created", doc)
    return answer(start_response, "404 Not Found", {"error": "not_found"})


def main() -> None:
    port = int(sys.argv[1])
    sock = eventlet.listen(("127.0.0.1", port), backlog=256)
    wsgi.server(sock, app, log_output=False, max_size=1000)


if __name__ == "__main__":
    main()
