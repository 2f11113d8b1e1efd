"""Health probes for the local infrastructure, standard library only.

    probe.py amqp  amqp://guest:guest@127.0.0.1:5672/     an AMQP 0-9-1 connection opens (credentials, vhost)
    probe.py mongo mongodb://127.0.0.1:27017/             the server answers the `ping` command
    probe.py http  http://guest:guest@127.0.0.1:15672/api/overview   HTTP 200

Exit status 0 when the server answers, 1 when it does not (the reason goes to stderr), 2 on bad usage.
The probes speak the real protocols instead of only opening a TCP port, so a stray process that
happens to hold the port is not taken for the server. When pymongo is importable the mongo probe
uses it (it understands every URI form: replica sets, TLS, SRV); otherwise it sends a raw OP_MSG.
"""

import base64
import socket
import struct
import sys
import urllib.error
import urllib.parse
import urllib.request

AMQP_PROTOCOL_HEADER = b"AMQP\x00\x00\x09\x01"
AMQP_FRAME_METHOD = 1
AMQP_FRAME_END = b"\xce"
AMQP_CONNECTION_START = (10, 10)
AMQP_CONNECTION_TUNE = (10, 30)
AMQP_CONNECTION_OPEN_OK = (10, 41)
AMQP_CONNECTION_CLOSE = (10, 50)
MONGO_OP_MSG = 2013


class ProbeFailed(Exception):
    pass


def first_host_port(uri, default_port):
    """Host and port of the first server named in an amqp:// or mongodb:// URI."""
    netloc = urllib.parse.urlsplit(uri).netloc
    hostlist = netloc.rpartition("@")[2]
    first = hostlist.split(",")[0]
    if first.startswith("["):  # IPv6 literal
        host, _, rest = first[1:].partition("]")
        port = rest.lstrip(":")
    else:
        host, _, port = first.partition(":")
    return host or "127.0.0.1", int(port) if port else default_port


def recv_exactly(sock, size):
    chunks = []
    while size:
        chunk = sock.recv(size)
        if not chunk:
            raise ProbeFailed("connection closed by the server")
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def amqp_shortstr(text):
    raw = text.encode()
    return struct.pack(">B", len(raw)) + raw


def amqp_longstr(raw):
    return struct.pack(">I", len(raw)) + raw


def amqp_method_frame(class_id, method_id, arguments):
    payload = struct.pack(">HH", class_id, method_id) + arguments
    return struct.pack(">BHI", AMQP_FRAME_METHOD, 0, len(payload)) + payload + AMQP_FRAME_END


def amqp_read_method(sock, where):
    """The next method frame on channel 0 as (class_id, method_id, arguments)."""
    frame_type, _channel, size = struct.unpack(">BHI", recv_exactly(sock, 7))
    payload = recv_exactly(sock, size + 1)[:-1]
    if frame_type != AMQP_FRAME_METHOD:
        raise ProbeFailed(f"{where} does not speak AMQP 0-9-1 (frame type {frame_type})")
    class_id, method_id = struct.unpack_from(">HH", payload)
    if (class_id, method_id) == AMQP_CONNECTION_CLOSE:
        code = struct.unpack_from(">H", payload, 4)[0]
        text = payload[7:7 + payload[6]].decode(errors="replace")
        raise ProbeFailed(f"{where} refused the connection: {code} {text}")
    return class_id, method_id, payload[4:]


def probe_amqp(uri, timeout):
    """Open and cleanly close an AMQP connection with the URI's credentials and virtual host.

    The whole handshake checks the credentials and the vhost too, and a polite close keeps the
    broker's log free of "client unexpectedly closed TCP connection" warnings.
    """
    host, port = first_host_port(uri, 5672)
    where = f"{host}:{port}"
    parts = urllib.parse.urlsplit(uri)
    user = urllib.parse.unquote(parts.username or "guest")
    password = urllib.parse.unquote(parts.password or "guest")
    vhost = urllib.parse.unquote(parts.path[1:]) if parts.path not in ("", "/") else "/"
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.sendall(AMQP_PROTOCOL_HEADER)
        if amqp_read_method(sock, where)[:2] != AMQP_CONNECTION_START:
            raise ProbeFailed(f"{where} did not start an AMQP connection")
        response = b"\x00" + user.encode() + b"\x00" + password.encode()
        # Ask for an explicit Connection.Close on bad credentials instead of a silent disconnect.
        capabilities = amqp_shortstr("authentication_failure_close") + b"t\x01"
        client_properties = amqp_shortstr("capabilities") + b"F" + amqp_longstr(capabilities)
        start_ok = (amqp_longstr(client_properties) + amqp_shortstr("PLAIN") + amqp_longstr(response)
                    + amqp_shortstr("en_US"))
        sock.sendall(amqp_method_frame(10, 11, start_ok))
        class_id, method_id, arguments = amqp_read_method(sock, where)
        if (class_id, method_id) != AMQP_CONNECTION_TUNE:
            raise ProbeFailed(f"{where} sent method {class_id}.{method_id} instead of Connection.Tune")
        channel_max, frame_max, _heartbeat = struct.unpack_from(">HIH", arguments)
        sock.sendall(amqp_method_frame(10, 31, struct.pack(">HIH", channel_max, frame_max, 0)))
        sock.sendall(amqp_method_frame(10, 40, amqp_shortstr(vhost) + amqp_shortstr("") + b"\x00"))
        if amqp_read_method(sock, where)[:2] != AMQP_CONNECTION_OPEN_OK:
            raise ProbeFailed(f"{where} did not open virtual host {vhost!r}")
        close = struct.pack(">H", 200) + amqp_shortstr("probe done") + struct.pack(">HH", 0, 0)
        sock.sendall(amqp_method_frame(10, 50, close))
        amqp_read_method(sock, where)  # Connection.Close-Ok


def bson_document(pairs):
    """Encode a flat document of int32 and string values (all a `ping` command needs)."""
    body = b""
    for key, value in pairs:
        name = key.encode() + b"\x00"
        if isinstance(value, int):
            body += b"\x10" + name + struct.pack("<i", value)
        else:
            raw = value.encode() + b"\x00"
            body += b"\x02" + name + struct.pack("<i", len(raw)) + raw
    return struct.pack("<i", len(body) + 5) + body + b"\x00"


# Fixed-size BSON element types, by type byte: the size of their value.
BSON_FIXED_SIZES = {0x01: 8, 0x07: 12, 0x08: 1, 0x09: 8, 0x0A: 0, 0x10: 4, 0x11: 8, 0x12: 8, 0x13: 16,
                    0x7F: 0, 0xFF: 0}


def bson_ok_value(doc):
    """The top-level `ok` field of a BSON reply document, or None when absent."""
    pos, end = 4, struct.unpack_from("<i", doc)[0] - 1
    while pos < end:
        kind = doc[pos]
        name_end = doc.index(b"\x00", pos + 1)
        name = doc[pos + 1:name_end]
        pos = name_end + 1
        if name == b"ok":
            if kind == 0x01:
                return struct.unpack_from("<d", doc, pos)[0]
            if kind == 0x10:
                return struct.unpack_from("<i", doc, pos)[0]
            if kind == 0x12:
                return struct.unpack_from("<q", doc, pos)[0]
            if kind == 0x08:
                return doc[pos]
            return None
        if kind in BSON_FIXED_SIZES:
            pos += BSON_FIXED_SIZES[kind]
        elif kind in (0x02, 0x0D, 0x0E):  # string, JavaScript, symbol
            pos += 4 + struct.unpack_from("<i", doc, pos)[0]
        elif kind in (0x03, 0x04, 0x0F):  # document, array, code with scope
            pos += struct.unpack_from("<i", doc, pos)[0]
        elif kind == 0x05:  # binary: length, subtype, bytes
            pos += 5 + struct.unpack_from("<i", doc, pos)[0]
        elif kind == 0x0B:  # regex: two cstrings
            pos = doc.index(b"\x00", doc.index(b"\x00", pos) + 1) + 1
        else:
            return None
    return None


def probe_mongo_raw(uri, timeout):
    host, port = first_host_port(uri, 27017)
    command = bson_document([("ping", 1), ("$db", "admin")])
    body = struct.pack("<I", 0) + b"\x00" + command  # flagBits, section kind 0, document
    header = struct.pack("<iiii", 16 + len(body), 1, 0, MONGO_OP_MSG)
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.sendall(header + body)
        length, _request_id, _response_to, opcode = struct.unpack("<iiii", recv_exactly(sock, 16))
        if opcode != MONGO_OP_MSG or not 21 <= length <= 48 * 1024 * 1024:
            raise ProbeFailed(f"{host}:{port} did not answer with a MongoDB OP_MSG (opcode {opcode})")
        reply = recv_exactly(sock, length - 16)
    ok = bson_ok_value(reply[5:])
    if ok != 1:
        raise ProbeFailed(f"{host}:{port} answered ping with ok={ok!r}")


def probe_mongo(uri, timeout):
    try:
        import pymongo
    except ImportError:
        probe_mongo_raw(uri, timeout)
        return
    if "+srv://" not in uri:
        # pymongo retries a refused connection until its selection timeout; fail fast instead.
        socket.create_connection(first_host_port(uri, 27017), timeout=timeout).close()
    millis = int(timeout * 1000)
    client = pymongo.MongoClient(uri, serverSelectionTimeoutMS=millis, connectTimeoutMS=millis,
                                 socketTimeoutMS=millis)
    try:
        reply = client.admin.command("ping")
    except pymongo.errors.PyMongoError as exc:
        raise ProbeFailed(f"ping failed: {exc}") from None
    finally:
        client.close()
    if reply.get("ok") != 1:
        raise ProbeFailed(f"ping answered {reply!r}")


def probe_http(url, timeout):
    parts = urllib.parse.urlsplit(url)
    netloc = parts.netloc.rpartition("@")[2]
    request = urllib.request.Request(urllib.parse.urlunsplit(parts._replace(netloc=netloc)))
    if parts.username is not None:
        credentials = f"{urllib.parse.unquote(parts.username)}:{urllib.parse.unquote(parts.password or '')}"
        request.add_header("Authorization", "Basic " + base64.b64encode(credentials.encode()).decode())
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    if status != 200:
        raise ProbeFailed(f"HTTP {status}")


PROBES = {"amqp": probe_amqp, "mongo": probe_mongo, "http": probe_http}


def main(argv):
    if len(argv) not in (3, 4) or argv[1] not in PROBES:
        print(__doc__, file=sys.stderr)
        return 2
    timeout = float(argv[3]) if len(argv) == 4 else 3.0
    try:
        PROBES[argv[1]](argv[2], timeout)
    except (OSError, ProbeFailed, ValueError, struct.error) as exc:
        print(f"{argv[1]} probe: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
