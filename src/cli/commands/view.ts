import type { Command } from 'commander';
import type { Context } from '../context.js';
import type { ViewFlags } from '../actions/view.js';

/** `view`: a map drawn in the terminal (issue 11). */
export function registerView(program: Command, ctx: Context): void {
  program
    .command('view')
    .description('draw a map in the terminal: sagittal, coronal and axial slices through its peak')
    .argument('<ref|file>', 'a .nii/.nii.gz file, or an image (id, TOKEN-id, image:<id> or URL) fetched into the cache first')
    .option('--cut <x,y,z>', 'slice through this point in mm (the image\'s sform/qform space) instead of the peak')
    .option('--threshold <t>', 'colour only |value| > t; the rest of the map is grey')
    .option('--png <file>', 'write the picture to a PNG file instead of the terminal (- for stdout): titled, with sides, coordinates, cross-hairs and a numbered colour bar')
    .option('--display <mode>', 'auto, blocks (24-bit colour half-blocks), ascii, kitty or iterm', 'auto')
    .addHelpText(
      'after',
      `
Coordinates: the sform when its code is set, else the qform, else the voxel sizes (as nibabel chooses).
Statistic maps use a diverging colour map (blue negative, red/yellow positive). NaN and 0 are background.
auto shows an inline image in kitty (TERM=xterm-kitty, KITTY_WINDOW_ID) and iTerm2/WezTerm
(TERM_PROGRAM), half-blocks on other terminals, plain characters when piped (--display blocks for
colour, e.g. | less -R), with NO_COLOR, --no-color or TERM=dumb. An image ref is downloaded and verified into $XDG_CACHE_HOME/neurovault-cli/.
-o json prints what was found (dims, affine, peak, cut voxel and mm, value) instead of a picture.

Examples:
  $ neurovault view 396069
  $ neurovault view tstat1.nii.gz --threshold 3.1 --cut -42,-58,48
  $ neurovault view https://neurovault.org/images/396069/ --png map.png`,
    )
    .action(async (ref: string, flags: ViewFlags, command: Command) => {
      const { runView } = await import('../actions/view.js');
      await runView(ref, flags, command.optsWithGlobals().color !== false, ctx);
    });
}
