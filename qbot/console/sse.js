// Server-Sent Events over fetch(): EventSource cannot POST, and qbot answers every step's POST
// with an event stream. Parsing follows the WHATWG "event stream interpretation" rules.

export class SseParser {
  // onEvent({type, data, lastEventId}); onComment(text) for ": ping" and the like.
  constructor(onEvent, onComment = () => {}) {
    this.onEvent = onEvent;
    this.onComment = onComment;
    this.buffer = "";
    this.skipLF = false; // the previous chunk ended in CR: a leading LF belongs to it
    this.data = "";
    this.type = "";
    this.lastEventId = "";
    this.retry = null;
  }

  feed(text) {
    if (text === "") return;
    if (this.skipLF && text.startsWith("\n")) text = text.slice(1);
    this.buffer += text;
    const lines = this.buffer.split(/\r\n|\r|\n/);
    this.buffer = lines.pop(); // an unterminated line waits for more
    this.skipLF = text.endsWith("\r");
    for (const line of lines) this.line(line);
  }

  line(line) {
    if (line === "") return this.dispatch();
    if (line.startsWith(":")) return this.onComment(line.slice(1).trim());
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") this.type = value;
    else if (field === "data") this.data += value + "\n";
    else if (field === "id") { if (!value.includes("\0")) this.lastEventId = value; }
    else if (field === "retry") { if (/^[0-9]+$/.test(value)) this.retry = Number(value); }
    // other fields are ignored, as the spec says
  }

  dispatch() {
    if (this.data === "") { this.type = ""; return; }
    const event = { type: this.type || "message", data: this.data.slice(0, -1), lastEventId: this.lastEventId };
    this.data = "";
    this.type = "";
    this.onEvent(event);
  }
}

// Read a fetch() Response's body to its end, handing each event to onEvent. An event cut off by
// the end of the stream is discarded (spec), so a dropped connection never yields half an event.
export async function readEvents(response, onEvent, onComment) {
  const parser = new SseParser(onEvent, onComment);
  const reader = response.body.pipeThrough(new TextDecoderStream("utf-8")).getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      parser.feed(value);
    }
  } finally {
    reader.releaseLock();
  }
  return parser;
}
