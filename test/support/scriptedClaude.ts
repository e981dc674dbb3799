/**
 * A scripted Claude that behaves as real models do: it thinks before it answers (the fake also
 * counts the 5.5 models' default thinking against max_tokens), validates the template strategy,
 * answers the validator's result with an empty reply (content [] with end_turn, which real models
 * give most often right after tool results), saves when asked to continue, then assesses whatever
 * it is shown with a short assessment: one strength, more suggestions than the file keeps, and a
 * hypothesis about the strategy it assessed for later cycles to test.
 */
import { parse as parseYaml } from 'yaml';
import { TEMPLATE_STRATEGY } from '../../src/design/claude/designPrompt';
import { text, thinking, toolUse, type CreateRequest, type FakeReply } from './fakeAnthropic';

export function scriptedClaude(req: CreateRequest): FakeReply {
  const tools = (req.body.tools ?? []).flatMap((t) => ('name' in t ? [t.name] : []));
  if (tools.includes('save_assessment')) {
    const strategy = /# Assess strategy ([\w-]+)/.exec(JSON.stringify(req.body.messages[0]?.content))?.[1] ?? 'this strategy';
    return {
      kind: 'message',
      content: [
        thinking('Accuracy is a little above chance; the backtest is thin.'),
        toolUse('save_assessment', {
          verdict: 'mediocre',
          strengths: ['The design trains and trades.'],
          weaknesses: ['Few trades.', 'Small edge over chance.'],
          suggestions: ['Add a trend filter.', 'Lengthen the validation period.', 'Try a daily market.', 'Widen the RSI sets.', 'Use fewer hidden units.'],
          hypotheses: [`Wider RSI sets than ${strategy} has lift validation accuracy above chance on EURUSD hourly`],
        }),
      ],
    };
  }
  const config: unknown = parseYaml(TEMPLATE_STRATEGY);
  const { messages } = req.body;
  if (messages.length === 1) {
    return {
      kind: 'message',
      content: [thinking('The template fits EURUSD hourly.'), text('Let me check the template first.'), toolUse('validate_strategy_config', { config })],
    };
  }
  const last = messages.at(-1)?.content;
  if (Array.isArray(last) && last.every((block) => block.type === 'tool_result')) return { kind: 'message', content: [] };
  return {
    kind: 'message',
    content: [toolUse('save_strategy_config', { name: 'rsi_adx_claude', config, description: 'RSI swings filtered by ADX, by Claude' })],
  };
}
