import type { Command } from "commander";
import { oneOf } from "../options.js";
import { type Definer, examples, run } from "../subcommand-kit.js";
import { EXIT } from "../usage.js";

const SHELLS = ["bash", "zsh"] as const;

/** A command's long options and, when it has them, its subcommands' names. */
function words(command: Command): string {
  const options = command.options
    .map((option) => option.long)
    .filter((long): long is string => Boolean(long));
  return [...command.commands.map((sub) => sub.name()), ...options, "--help"].join(" ");
}

/**
 * A bash completion function for `fleetline`, written from the command's own definition: the
 * subcommands, each one's subcommands and options (zsh runs it through bashcompinit).
 */
export function completionScript(program: Command, shell: (typeof SHELLS)[number]): string {
  const commands = program.commands.filter((command) => command.name() !== "help");
  const cases = commands.map((command) => {
    const nested = command.commands.map(
      (sub) => `        ${sub.name()}) COMPREPLY=( $(compgen -W "${words(sub)}" -- "$cur") ) ;;`,
    );
    const body =
      nested.length === 0
        ? `COMPREPLY=( $(compgen -W "${words(command)}" -- "$cur") )`
        : `if [[ $COMP_CWORD -eq 2 ]]; then COMPREPLY=( $(compgen -W "${words(command)}" -- "$cur") ); else
      case "\${COMP_WORDS[2]}" in
${nested.join("\n")}
      esac
    fi`;
    return `    ${command.name()}) ${body} ;;`;
  });
  const script = `# fleetline ${shell} completion: eval "$(fleetline completion ${shell})"
_fleetline() {
  local cur="\${COMP_WORDS[COMP_CWORD]}"
  if [[ $COMP_CWORD -eq 1 ]]; then
    COMPREPLY=( $(compgen -W "${commands.map((c) => c.name()).join(" ")} --help --version" -- "$cur") )
    return
  fi
  case "\${COMP_WORDS[1]}" in
${cases.join("\n")}
  esac
}
complete -F _fleetline fleetline
`;
  return shell === "zsh" ? `autoload -U +X bashcompinit && bashcompinit\n${script}` : script;
}

export function defineCompletion({ program, io, outcome }: Definer): void {
  const command = program
    .command("completion")
    .summary("print a shell completion script")
    .description("Print a completion script for bash or zsh, written from fleetline's own definition.")
    .argument("<shell>", `${SHELLS.join(" or ")}`, oneOf("<shell>", SHELLS));
  examples(command, [
    ['eval "$(npx fleetline completion bash)"', "in ~/.bashrc"],
    ['eval "$(npx fleetline completion zsh)"', "in ~/.zshrc"],
  ]);
  command.action(
    run(outcome, async (shell: (typeof SHELLS)[number]) => {
      io.stdout(completionScript(program, shell));
      return EXIT.ok;
    }),
  );
}
