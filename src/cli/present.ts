import type { Context } from './context.js';
import { Presenter } from '../output/presenter.js';

/** The presenter of this run, set by the global output flags. */
export function presenterFor(ctx: Context): Presenter {
  const g = ctx.globals;
  return new Presenter(
    ctx.io,
    {
      format: g.output,
      explicit: g.outputExplicit,
      columns: g.columns,
      jsonFields: g.jsonFields,
      listFields: g.listFields,
      color: g.color,
      notices: ctx.io.stderrIsTTY && !g.quiet,
    },
    (line) => ctx.warn(line),
  );
}
