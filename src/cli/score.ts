/** `luckygraph score --truth T --result R [--json]`: PSNR and SSIM of a stacked result against the sharp truth. */
import { loadImageGray, scoreResult } from '../score/score.js';
import { parseArgs } from './args.js';
import { UsageError } from './info.js';

export async function scoreCommand(args: string[], out: (s: string) => void): Promise<number> {
  const a = parseArgs(args, ['truth', 'result'], ['json']);
  const truthPath = a.values.get('truth')?.[0];
  const resultPath = a.values.get('result')?.[0];
  if (!truthPath || !resultPath) throw new UsageError('score needs --truth FILE and --result FILE');
  const truth = await loadImageGray(truthPath);
  const result = await loadImageGray(resultPath);
  const s = scoreResult(truth, result);
  if (a.flags.has('json')) out(JSON.stringify({ truth: truthPath, result: resultPath, ...s }, null, 2));
  else out(`PSNR ${s.psnr.toFixed(2)} dB   SSIM ${s.ssim.toFixed(4)}   (${resultPath} against ${truthPath})`);
  return 0;
}
