package io.comfyrun.cli;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code comfyrun} command line: {@code java -jar cli/target/comfyrun.jar run [options] WORKFLOW.json...}.
 * A thin shell over the engine ({@code comfyui-client}); everything it prints comes from the engine's
 * progress log.
 */
@Command(name = "comfyrun", mixinStandardHelpOptions = true, version = "comfyrun 0.1.0-SNAPSHOT",
        description = "Run ComfyUI workflows from the command line.",
        subcommands = {RunCommand.class, ConvertCommand.class, CommandLine.HelpCommand.class})
public final class ComfyRun {

    private ComfyRun() {
    }

    public static void main(String[] args) {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(System.err, true, StandardCharsets.UTF_8);
        int code = execute(args, out, err, System.getenv(), true, System.console() != null);
        System.exit(code);
    }

    /**
     * Runs the CLI in-process and returns the exit code (tests use this).
     *
     * @param shutdownHook install the Ctrl-C handler that cancels our prompts (only for a real process)
     * @param live         draw the live progress bar (stdout is a terminal)
     */
    public static int execute(String[] args, PrintStream out, PrintStream err, Map<String, String> env, boolean shutdownHook,
                              boolean live) {
        CommandLine cmd = new CommandLine(new ComfyRun());
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        cmd.setExitCodeExceptionMapper(e -> ExitCode.USAGE.code());
        cmd.setParameterExceptionHandler((ex, a) -> {
            err.println("comfyrun: " + ex.getMessage());
            ex.getCommandLine().usage(err);
            return ExitCode.USAGE.code();
        });
        RunCommand run = cmd.getSubcommands().get("run").getCommand();
        run.stdout = out;
        run.stderr = err;
        run.env = env;
        run.installShutdownHook = shutdownHook;
        run.liveConsole = live;
        ConvertCommand convert = cmd.getSubcommands().get("convert").getCommand();
        convert.stdout = out;
        convert.stderr = err;
        convert.env = env;
        if (args.length == 0) {
            cmd.usage(err);
            return ExitCode.USAGE.code();
        }
        return cmd.execute(args);
    }
}
