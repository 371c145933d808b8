package org.vil4j.cli;

import jakarta.inject.Inject;
import org.vil4j.api.ConvolutionFrames;
import org.vil4j.api.Plugins;
import org.vil4j.api.TraversalStrategy;
import org.vil4j.conformance.LocalityStats;
import org.vil4j.vil.VilConfig;
import org.vil4j.vil.VilPresets;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;

/** {@code vil traversal show NAME --grid HxW [--png FILE]}: see an order before training with it. */
@Command(name = "traversal", mixinStandardHelpOptions = true, description = "Inspect traversal orders.",
        subcommands = {TraversalCommand.Show.class, TraversalCommand.Schedule.class, CommandLine.HelpCommand.class})
final class TraversalCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
            description = {"Print the visiting order of a traversal on an h x w token grid: each cell shows the step at "
                    + "which it is visited (0 first). With --png, draw the path over the grid.",
                    "Parameterised names work too: local_window_k3, random_seed42."})
    static final class Show implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Parameters(index = "0", paramLabel = "NAME", description = "traversal name (see: vil plugins --kind traversal)")
        String name;

        @Option(names = "--grid", required = true, paramLabel = "HxW", description = "token grid, e.g. 5x7 or 14x14")
        String grid;

        @Option(names = "--png", paramLabel = "FILE", description = "also draw the path into this PNG file")
        Path png;

        private final Plugins plugins;

        @Inject
        Show(Plugins plugins) {
            this.plugins = plugins;
        }

        @Override
        public Integer call() throws Exception {
            int[] hw = parseGrid(grid);
            int h = hw[0], w = hw[1];
            TraversalStrategy t = plugins.traversal(name);
            int[] order = t.order(h, w);
            int[] inverse = t.inverse(h, w);
            PrintStream out = System.out;
            out.printf("%s on a %dx%d grid (each cell: the step at which it is visited)%n", t.name(), h, w);
            int width = Integer.toString(h * w - 1).length() + 1;
            for (int r = 0; r < h; r++) {
                StringBuilder line = new StringBuilder();
                for (int c = 0; c < w; c++) {
                    line.append(String.format("%" + width + "d", inverse[r * w + c]));
                }
                out.println(line);
            }
            out.println("locality: " + LocalityStats.of(order, h, w));
            out.println("convolution: " + convolutionFrame(t, order, h, w));
            if (png != null) {
                TraversalPicture.write(order, h, w, t.name(), png);
                out.println("path drawn to " + png);
            }
            return 0;
        }

        private int[] parseGrid(String text) {
            String[] parts = text.trim().toLowerCase(java.util.Locale.ROOT).split("x");
            try {
                if (parts.length == 2) {
                    int h = Integer.parseInt(parts[0].trim()), w = Integer.parseInt(parts[1].trim());
                    if (h > 0 && w > 0 && (long) h * w <= 1 << 20) {
                        return new int[]{h, w};
                    }
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new CommandLine.ParameterException(spec.commandLine(), "--grid takes HxW with positive sides "
                    + "(at most 2^20 cells), e.g. 5x7; got '" + text + "'");
        }

        private static String convolutionFrame(TraversalStrategy t, int[] order, int h, int w) {
            int[] table = t.convolutionNeighbours(h, w, 3);
            if (Arrays.equals(table, ConvolutionFrames.rowMajorFrame(h, w, 3))) {
                return "the ordered sequence laid row-major on the grid (the reference's frame)";
            }
            if (Arrays.equals(table, ConvolutionFrames.imageFrame(order, h, w, 3))) {
                return "in the image's own geometry (each token reads its spatial neighbours)";
            }
            return "a frame of the plugin's own (see its documentation)";
        }
    }

    @Command(name = "schedule", mixinStandardHelpOptions = true,
            description = {"Print which traversal each sub-block of a model uses under a schedule, checking that every "
                    + "name is found, and the spec a saved model records.",
                    "SPEC: alternate (the reference), four_way (rows, rows reversed, columns, columns reversed) or a "
                            + "comma list of traversal names cycled over the sub-blocks."})
    static final class Schedule implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "SPEC", description = "alternate, four_way or name,name,...")
        String spec;

        @Option(names = "--model", paramLabel = "PRESET", defaultValue = "vil2-tiny",
                description = "model preset whose sub-blocks are scheduled (default: ${DEFAULT-VALUE})")
        String model;

        private final Plugins plugins;

        @Inject
        Schedule(Plugins plugins) {
            this.plugins = plugins;
        }

        @Override
        public Integer call() {
            VilConfig config = VilPresets.get(model).withSchedule(spec);
            PrintStream out = System.out;
            out.printf("%s with schedule %s (%d sub-blocks):%n", model, config.schedule(), config.subBlockCount());
            int width = Integer.toString(config.subBlockCount() - 1).length();
            for (int i = 0; i < config.traversals().size(); i++) {
                TraversalStrategy t = plugins.traversal(config.traversals().get(i));
                out.printf("  %" + width + "d  %-26s %s%n", i, t.name(), t.description());
            }
            return 0;
        }
    }
}
