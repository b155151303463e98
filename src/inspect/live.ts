import { createServer, type Server } from 'node:http';
import { createSkyInspector, createWebSocketInspector } from '@statelyai/inspect';
import type { InspectionEvent } from 'xstate';
import { WebSocket, WebSocketServer } from 'ws';

export type InspectTarget = 'local' | 'sky';

export interface LiveInspector {
  /** Where a person looks at the run. */
  readonly url: string;
  /** The xstate `inspect` observer to give the actor. */
  readonly inspect: (event: InspectionEvent) => void;
  stop(): Promise<void>;
}

const STATELY_INSPECTOR_URL = 'https://stately.ai/inspect';
const MAX_BUFFERED = 1_000;

/**
 * The page a browser opens: the hosted Stately inspector in a frame, fed with the run's events from the relay.
 * Same protocol as @statelyai/inspect's own server, which listens on every interface; this one only on loopback.
 */
function bridgePage(port: number): string {
  return `<!DOCTYPE html><html><head><title>polecat run: Stately Inspector</title>
<style>*{margin:0;padding:0}html,body{height:100%}iframe{width:100%;height:100%;border:none}</style></head>
<body><iframe id="inspector" src="${STATELY_INSPECTOR_URL}"></iframe><script>
const iframe = document.getElementById('inspector'); const buffer = []; let connected = false;
window.addEventListener('message', (e) => { if (e.data && e.data.type === '@statelyai.connected') { connected = true;
  buffer.forEach((event) => iframe.contentWindow.postMessage(event, '*')); buffer.length = 0; } });
const ws = new WebSocket('ws://127.0.0.1:${port}');
ws.onmessage = (event) => { const data = JSON.parse(event.data); if (connected) iframe.contentWindow.postMessage(data, '*'); else buffer.push(data); };
</script></body></html>`;
}

/** A relay on 127.0.0.1: the run's inspector connects as a client, every other client (the page, a test) receives. */
async function startRelay(port: number): Promise<{ port: number; stop(): Promise<void> }> {
  const server: Server = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end(bridgePage(actualPort));
  });
  // Only this machine's clients: no origin (a program) or the relay's own page; another web page gets nothing.
  const wss = new WebSocketServer({
    server,
    verifyClient: ({ origin }: { origin?: string }) => origin === undefined || origin === '' || origin === `http://127.0.0.1:${actualPort}` || origin === `http://localhost:${actualPort}`,
  });
  // listen errors (the port in use) come out of the listen below; the server also re-emits them here.
  wss.on('error', () => undefined);
  const buffered: string[] = [];
  wss.on('connection', (socket) => {
    for (const message of buffered) socket.send(message);
    socket.on('message', (data) => {
      const message = data.toString();
      buffered.push(message);
      if (buffered.length > MAX_BUFFERED) buffered.shift();
      for (const client of wss.clients) if (client !== socket && client.readyState === WebSocket.OPEN) client.send(message);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  return {
    port: actualPort,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close();
        server.close(() => resolve());
      }),
  };
}

export async function startLiveInspector(target: InspectTarget, port: number): Promise<LiveInspector> {
  if (target === 'sky') {
    const inspector = createSkyInspector({ onerror: () => undefined });
    return {
      url: "Stately's hosted inspector: its link is printed once connected (needs internet)",
      inspect: (event) => inspector.inspect.next?.(event),
      async stop() {
        inspector.stop();
        // The Sky client keeps its socket open after stop(); the run is over, so the process may go.
        setTimeout(() => process.exit(), 500);
      },
    };
  }
  const relay = await startRelay(port);
  const inspector = createWebSocketInspector({ url: `ws://127.0.0.1:${relay.port}` });
  return {
    url: `open http://127.0.0.1:${relay.port} in a browser (the page loads the Stately inspector from stately.ai)`,
    inspect: (event) => inspector.inspect.next?.(event),
    async stop() {
      // Let the last snapshots reach the relay before it closes.
      await new Promise((r) => setTimeout(r, 300));
      inspector.stop();
      await relay.stop();
    },
  };
}
