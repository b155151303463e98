/**
 * Scripted stand-ins for the model APIs the real agent CLIs talk to, on 127.0.0.1: each answers every turn with one
 * fixed text, streamed the way the real API streams it, and keeps every request it was sent, so a test sees the agent
 * send its startup text and show the reply. Only what the CLIs were seen to need is answered; anything else is a 404
 * that the test can see in `requests`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SeenRequest {
  readonly method: string;
  readonly path: string;
  readonly body: string;
}

export interface StandIn {
  /** http://127.0.0.1:PORT */
  readonly url: string;
  readonly requests: SeenRequest[];
  close(): Promise<void>;
}

type Route = (request: SeenRequest, response: ServerResponse) => boolean;

function sse(response: ServerResponse, events: ReadonlyArray<{ event?: string; data: unknown }>): void {
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  for (const { event, data } of events) {
    response.write(`${event !== undefined ? `event: ${event}\n` : ''}data: ${JSON.stringify(data)}\n\n`);
  }
  response.end();
}

function json(response: ServerResponse, value: unknown): void {
  response.writeHead(200, { 'content-type': 'application/json' });
  response.end(JSON.stringify(value));
}

async function serve(routes: readonly Route[]): Promise<StandIn> {
  const requests: SeenRequest[] = [];
  const server = createServer((message: IncomingMessage, response) => {
    const chunks: Buffer[] = [];
    message.on('data', (chunk: Buffer) => chunks.push(chunk));
    message.on('end', () => {
      const request = { method: message.method ?? '', path: message.url ?? '', body: Buffer.concat(chunks).toString('utf8') };
      requests.push(request);
      if (!routes.some((route) => route(request, response))) {
        response.writeHead(404, { 'content-type': 'application/json' });
        response.end('{"error":{"message":"not part of the stand-in"}}');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * One answer of the Anthropic stand-in: a text (held back `afterMs` first, a turn long enough to interrupt), a Bash
 * tool call (answered in the next request), or an error.
 */
export type AnthropicAnswer = { readonly text: string; readonly afterMs?: number } | { readonly bash: string } | { readonly status: 429 | 500 };

/**
 * Anthropic's Messages API as Claude Code uses it (field-notes section 5): `POST /v1/messages` streamed. A short
 * title request is answered with a JSON title; every other request takes the next answer of the script, and the
 * last answer once the script is done.
 */
export function anthropicScript(answers: readonly AnthropicAnswer[]): Promise<StandIn> {
  let next = 0;
  return serve([
    (request, response) => {
      if (request.method === 'HEAD') {
        response.writeHead(200).end();
        return true;
      }
      if (request.method !== 'POST' || !request.path.startsWith('/v1/messages')) return false;
      const body = JSON.parse(request.body) as { stream?: boolean; system?: unknown };
      const titling = JSON.stringify(body.system ?? '').includes('title');
      const answer: AnthropicAnswer = titling ? { text: JSON.stringify({ title: 'Polecat check' }) } : answers[Math.min(next++, answers.length - 1)]!;
      if ('status' in answer) {
        const type = answer.status === 429 ? 'rate_limit_error' : 'api_error';
        response.writeHead(answer.status, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ type: 'error', error: { type, message: `stand-in ${answer.status}` } }));
        return true;
      }
      const message = { id: `msg_standin_${next}`, type: 'message', role: 'assistant', model: 'claude-standin', content: [], stop_reason: null, usage: { input_tokens: 1, output_tokens: 0 } };
      const block = 'text' in answer ? { type: 'text', text: '' } : { type: 'tool_use', id: `toolu_standin_${next}`, name: 'Bash', input: {} };
      const delta = 'text' in answer ? { type: 'text_delta', text: answer.text } : { type: 'input_json_delta', partial_json: JSON.stringify({ command: answer.bash, description: 'stand-in command' }) };
      const stop = 'text' in answer ? 'end_turn' : 'tool_use';
      if (body.stream !== true) {
        const content = 'text' in answer ? [{ type: 'text', text: answer.text }] : [{ ...block, input: { command: answer.bash } }];
        json(response, { ...message, content, stop_reason: stop, usage: { input_tokens: 1, output_tokens: 1 } });
        return true;
      }
      const afterMs = 'afterMs' in answer ? (answer.afterMs ?? 0) : 0;
      setTimeout(() => {
        if (!response.destroyed) sse(response, [
        { event: 'message_start', data: { type: 'message_start', message } },
        { event: 'content_block_start', data: { type: 'content_block_start', index: 0, content_block: block } },
        { event: 'content_block_delta', data: { type: 'content_block_delta', index: 0, delta } },
        { event: 'content_block_stop', data: { type: 'content_block_stop', index: 0 } },
        { event: 'message_delta', data: { type: 'message_delta', delta: { stop_reason: stop }, usage: { output_tokens: 1 } } },
        { event: 'message_stop', data: { type: 'message_stop' } },
        ]);
      }, afterMs);
      return true;
    },
  ]);
}

/** The stand-in answering every turn with one text. */
export function anthropicStandIn(reply: string): Promise<StandIn> {
  return anthropicScript([{ text: reply }]);
}

/**
 * OpenAI's Responses API (`POST …/responses`, streamed) as Codex uses it, and Chat Completions
 * (`POST …/chat/completions`, streamed) as opencode's OpenAI-compatible provider uses it. Each turn is answered
 * with the reply, the title requests both send as well.
 */
export function openAiStandIn(reply: string): Promise<StandIn> {
  let turn = 0;
  return serve([
    (request, response) => {
      const path = request.path.split('?')[0]!;
      if (request.method !== 'POST' || !path.endsWith('/responses')) return false;
      turn += 1;
      const body = JSON.parse(request.body) as { model?: string; stream?: boolean };
      const id = `resp_standin_${turn}`;
      const itemId = `msg_standin_${turn}`;
      const base = { id, object: 'response', created_at: Math.floor(Date.now() / 1000), model: body.model ?? 'standin-model' };
      const part = { type: 'output_text', text: reply, annotations: [] };
      const item = { id: itemId, type: 'message', status: 'completed', role: 'assistant', content: [part] };
      const usage = { input_tokens: 1, input_tokens_details: { cached_tokens: 0 }, output_tokens: 1, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 2 };
      if (body.stream === false) {
        json(response, { ...base, status: 'completed', output: [item], usage });
        return true;
      }
      const where = { item_id: itemId, output_index: 0, content_index: 0 };
      const events: Array<{ type: string; [key: string]: unknown }> = [
        { type: 'response.created', response: { ...base, status: 'in_progress', output: [] } },
        { type: 'response.in_progress', response: { ...base, status: 'in_progress', output: [] } },
        { type: 'response.output_item.added', output_index: 0, item: { ...item, status: 'in_progress', content: [] } },
        { type: 'response.content_part.added', ...where, part: { ...part, text: '' } },
        { type: 'response.output_text.delta', ...where, delta: reply },
        { type: 'response.output_text.done', ...where, text: reply },
        { type: 'response.content_part.done', ...where, part },
        { type: 'response.output_item.done', output_index: 0, item },
        { type: 'response.completed', response: { ...base, status: 'completed', output: [item], usage } },
      ];
      sse(response, events.map((event, sequence) => ({ event: event.type, data: { ...event, sequence_number: sequence } })));
      return true;
    },
    (request, response) => {
      const path = request.path.split('?')[0]!;
      if (request.method !== 'POST' || !path.endsWith('/chat/completions')) return false;
      turn += 1;
      const body = JSON.parse(request.body) as { model?: string; stream?: boolean };
      const head = { id: `chatcmpl-standin-${turn}`, created: Math.floor(Date.now() / 1000), model: body.model ?? 'standin-model' };
      const usage = { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 };
      if (body.stream !== true) {
        json(response, { ...head, object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: reply }, finish_reason: 'stop' }], usage });
        return true;
      }
      const chunk = (delta: unknown, finish: string | null) => ({ ...head, object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: finish }] });
      response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      for (const data of [chunk({ role: 'assistant', content: '' }, null), chunk({ content: reply }, null), chunk({}, 'stop'), { ...head, object: 'chat.completion.chunk', choices: [], usage }]) {
        response.write(`data: ${JSON.stringify(data)}\n\n`);
      }
      response.end('data: [DONE]\n\n');
      return true;
    },
  ]);
}

/**
 * Augment's API as Auggie uses it, at the tenant URL of its session: `get-models` names one model, `chat-stream`
 * streams the reply as JSON lines, and every other call (settings, telemetry, indexing) gets an empty object.
 */
/** The calls whose empty answer must still have its lists (the indexing Auggie does at start). */
const AUGMENT_EMPTY: Record<string, unknown> = {
  'find-missing': { unknown_memory_names: [], nonindexed_blob_names: [] },
  'batch-upload': { blob_names: [] },
  'checkpoint-blobs': { new_checkpoint_id: 'standin-checkpoint' },
  'settings/get-mcp-tenant-configs': { configs: [] },
  'settings/get-mcp-user-configs': { configs: [] },
  'agents/list-remote-tools': { tools: [] },
};

export function augmentStandIn(reply: string): Promise<StandIn> {
  return serve([
    (request, response) => {
      const path = request.path.split('?')[0]!.replace(/^\/+/, '');
      if (path === 'get-models') {
        json(response, { default_model: 'standin-model', models: [{ name: 'standin-model', suggested_prefix_char_count: 0, suggested_suffix_char_count: 0 }], languages: [], feature_flags: {}, user_tier: 'PROFESSIONAL_TIER', user: { id: 'standin', email: 'standin@example.invalid' } });
      } else if (path === 'chat-stream') {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.write(`${JSON.stringify({ text: reply, nodes: [{ id: 0, type: 0, content: reply }] })}\n`);
        response.end(`${JSON.stringify({ text: '', nodes: [{ id: 1, type: 2, content: '' }], stop_reason: 1 })}\n`);
      } else {
        json(response, AUGMENT_EMPTY[path] ?? {});
      }
      return true;
    },
  ]);
}

/**
 * Google's Gemini API as Gemini CLI uses it (at GOOGLE_GEMINI_BASE_URL): a model-router `generateContent` call
 * answered with the JSON it asks for, each turn's `streamGenerateContent` streamed with the reply.
 */
export function geminiStandIn(reply: string): Promise<StandIn> {
  const candidate = (text: string) => ({
    candidates: [{ content: { parts: [{ text }], role: 'model' }, finishReason: 'STOP', index: 0 }],
    usageMetadata: { promptTokenCount: 1, candidatesTokenCount: 1, totalTokenCount: 2 },
    modelVersion: 'standin',
  });
  return serve([
    (request, response) => {
      if (request.method !== 'POST') return false;
      if (request.path.includes(':streamGenerateContent')) {
        sse(response, [{ data: candidate(reply) }]);
        return true;
      }
      if (!request.path.includes(':generateContent')) return false;
      const config = (JSON.parse(request.body) as { generationConfig?: Record<string, unknown> }).generationConfig ?? {};
      const wantsJson = config.responseMimeType === 'application/json' || config.responseJsonSchema !== undefined || config.responseSchema !== undefined;
      // The router asks for a complexity score, other JSON requests for a model choice.
      const text = request.body.includes('complexity_score')
        ? JSON.stringify({ complexity_reasoning: 'stand-in', complexity_score: 10 })
        : wantsJson
          ? JSON.stringify({ reasoning: 'stand-in', model_choice: 'flash' })
          : reply;
      json(response, candidate(text));
      return true;
    },
  ]);
}

/**
 * The parts of Amp's server that Amp needs to start signed in (at AMP_URL): the user behind the key and the lists
 * it loads. Amp's model turns go over a WebSocket to Amp's own agents, which this stand-in does not play: Amp
 * starts and takes its startup text, but no reply comes.
 */
export function ampStandIn(): Promise<StandIn> {
  const user = { id: 'standin', email: 'standin@example.invalid', emailVerified: true, username: 'standin', displayName: 'Standin', features: [], team: null };
  const internal: Record<string, unknown> = { getUserInfo: user, listAgentModes: [], loadPlugins: [], loadSkills: { skills: [] }, loadAgents: { sources: [] } };
  return serve([
    (request, response) => {
      if (request.method !== 'POST') return false;
      if (request.path.startsWith('/api/user-actor-credentials')) {
        json(response, { userId: user.id, wsToken: 'standin', poolName: 'standin' });
        return true;
      }
      if (request.path === '/api/thread-actors') {
        json(response, { threadId: 'T-standin', wsToken: 'standin', ownerUserId: user.id, threadVersion: 0, usesThreadActors: true, usesDtw: true, poolName: 'standin' });
        return true;
      }
      const call = /^\/api\/internal\?(\w+)/.exec(request.path)?.[1];
      if (call === undefined || !Object.hasOwn(internal, call)) return false;
      json(response, { ok: true, result: internal[call] });
      return true;
    },
  ]);
}

/** The requests that carried a text: to see the agent send its startup text. */
export function sentText(standIn: StandIn, text: string): boolean {
  return standIn.requests.some((request) => request.body.includes(text));
}

