import { parse as parseYaml } from 'yaml';
import { TEMPLATE_STRATEGY } from '../../src/llm/claude/designPrompt';
import { text, toolUse, type FakeReply, type FakeRequest } from './fakeAnthropic';

/** A scripted Claude: validates the template strategy, saves it, then assesses whatever it is shown. */
export function scriptedClaude(req: FakeRequest): FakeReply {
  const tools: string[] = req.body.tools.map((t: { name: string }) => t.name);
  if (tools.includes('save_assessment')) {
    return {
      kind: 'message',
      content: [
        toolUse('save_assessment', {
          verdict: 'mediocre',
          strengths: ['The design trains and trades.', 'Costs are included.'],
          weaknesses: ['Few trades.', 'Small edge over chance.'],
          suggestions: ['Add a trend filter.', 'Lengthen the validation period.'],
        }),
      ],
    };
  }
  const config = parseYaml(TEMPLATE_STRATEGY);
  const turn = req.body.messages.length;
  if (turn === 1) return { kind: 'message', content: [text('Let me check the template first.'), toolUse('validate_strategy_config', { config })] };
  return { kind: 'message', content: [toolUse('save_strategy_config', { name: 'rsi_adx_claude', config, description: 'RSI swings filtered by ADX, by Claude' })] };
}
