package org.vil4j.cli;

import com.google.inject.Guice;
import java.util.List;
import org.vil4j.api.Vil4jException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code vil}: the command line of vil4j. */
@Command(name = "vil", mixinStandardHelpOptions = true, version = "vil4j 0.1.0",
        description = "Vision-LSTM on the JVM: OpenCL kernels on any GPU or CPU, a plain-Java oracle.",
        subcommands = {ConformanceCommand.class, DevicesCommand.class, PluginsCommand.class, BenchCommand.class,
                ConvertCommand.class, ExportCommand.class, PredictCommand.class, EvalCommand.class,
                TraversalCommand.class, CompareCommand.class,
                TrainCommand.class, DataOrderCommand.class, PlotCommand.class, SweepCommand.class, SegmentCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    static {
        // Guice's generated accessors live outside our module, which cannot read them on the module path; reflection
        // (org.vil4j.cli is open to Guice) works on both paths. Read once, when Guice first loads.
        if (System.getProperty("guice_bytecode_gen_option") == null) {
            System.setProperty("guice_bytecode_gen_option", "DISABLED");
        }
    }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String... args) {
        return execute(new CommandLine(Main.class, new GuiceFactory(Guice.createInjector(new PluginModule()))), args);
    }

    /** Runs a parsed command line with vil's error reporting: one line for our errors and for running out of memory. */
    static int execute(CommandLine cli, String... args) {
        cli.setExecutionExceptionHandler((e, line, parsed) -> {
            boolean verbose = parsed.originalArgs().contains("--verbose");
            if (e instanceof Vil4jException && !verbose) {
                line.getErr().println("vil: " + e.getMessage());
            } else {
                e.printStackTrace(line.getErr());
            }
            return 2;
        });
        try {
            return cli.execute(args);
        } catch (OutOfMemoryError e) {
            // picocli hands only Exceptions to the handler; an Error would otherwise end as a trace from deep inside
            if (List.of(args).contains("--verbose")) {
                e.printStackTrace(cli.getErr());
            }
            cli.getErr().println(outOfMemoryMessage(e, Runtime.getRuntime().maxMemory()));
            return 3;
        }
    }

    static String outOfMemoryMessage(OutOfMemoryError e, long maxHeapBytes) {
        return "vil: out of memory (" + e.getMessage() + "; Java heap limit " + (maxHeapBytes >> 20) + " MiB). "
                + "Give the JVM more with VIL_JAVA_OPTS=-Xmx<N>g, lower --batch-size, or for training pass "
                + "--recompute-activations (keeps one sub-block's activations at a time)";
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
