package org.vil4j.cli;

import com.google.inject.Guice;
import org.vil4j.api.Vil4jException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code vil}: the command line of vil4j. */
@Command(name = "vil", mixinStandardHelpOptions = true, version = "vil4j 0.1.0",
        description = "Vision-LSTM on the JVM: OpenCL kernels on any GPU or CPU, a plain-Java oracle.",
        subcommands = {ConformanceCommand.class, DevicesCommand.class, PluginsCommand.class, BenchCommand.class,
                ConvertCommand.class, PredictCommand.class, EvalCommand.class, TraversalCommand.class,
                TrainCommand.class, DataOrderCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String... args) {
        CommandLine cli = new CommandLine(Main.class, new GuiceFactory(Guice.createInjector(new PluginModule())));
        cli.setExecutionExceptionHandler((e, line, parsed) -> {
            boolean verbose = parsed.originalArgs().contains("--verbose");
            if (e instanceof Vil4jException && !verbose) {
                line.getErr().println("vil: " + e.getMessage());
            } else {
                e.printStackTrace(line.getErr());
            }
            return 2;
        });
        return cli.execute(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
