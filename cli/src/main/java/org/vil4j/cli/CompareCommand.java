package org.vil4j.cli;

import jakarta.inject.Inject;
import org.vil4j.api.Plugins;
import org.vil4j.api.Vil4jException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Unmatched;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * {@code vil compare}: trains every spec with every seed under one recipe, in this process through {@code vil train}'s
 * own path ({@link TrainCommand#train}), and writes the runs and each spec's accuracy mean and standard deviation as
 * JSON, a markdown table and a plot. Runs go seed by seed, every spec within a seed, so that a machine whose load
 * drifts slows all specs alike; a run already in {@code compare.json} is not run again, and a run that was
 * interrupted after an epoch (a ViL's or a backbone plugin's) resumes from its checkpoint.
 */
@Command(name = "compare", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Trains model specs under one recipe with several seeds (in this process, as vil train does) "
                + "and writes DIR/compare.json (every run, each spec's mean and std), DIR/compare.md (the table) "
                + "and DIR/compare.png (accuracy per spec, std error bars); each run's own files go to "
                + "DIR/runs/SPEC-seedS.",
                "Every option that is not compare's own is a vil train option shared by all runs (the recipe), "
                        + "e.g. --epochs 1 --max-train-samples 12000 --backend java.",
                "Runs already in DIR/compare.json are skipped: run the same command again to continue.",
                "Example: vil compare --spec alternate= --spec four_way='--traversal-schedule four_way' "
                        + "--spec vit='--model vit-fmnist-tiny' --seeds 0,1,2 --out runs/compare --epochs 1"})
final class CompareCommand implements Callable<Integer> {
    static final String MARKDOWN = "compare.md";
    static final String PLOT = "compare.png";
    static final String RUNS = "runs";

    /** Train options compare sets per run itself, and why they cannot be part of a recipe or spec. */
    private static final Map<String, String> OWN = ownOptions();

    @Option(names = "--spec", paramLabel = "NAME=OPTIONS", description = "a model spec: a name and the vil train "
            + "options that set it apart, e.g. four_way='--traversal-schedule four_way' or "
            + "vit='--model vit-fmnist-tiny' (NAME= alone: the recipe as it is); repeat for each spec")
    List<String> specTexts;

    @Option(names = "--seeds", split = ",", defaultValue = "0,1,2", paramLabel = "S,...", description = "the seeds "
            + "every spec trains with (weights, data order, augmentation) (default: ${DEFAULT-VALUE})")
    List<Long> seeds;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "where compare.json, compare.md, "
            + "compare.png and the runs go")
    Path out;

    /** The recipe: vil train options shared by every run. */
    @Unmatched
    List<String> recipe = new ArrayList<>();

    private final Plugins plugins;

    @Inject
    CompareCommand(Plugins plugins) {
        this.plugins = plugins;
    }

    @Override
    public Integer call() {
        long start = System.nanoTime();
        List<CompareSpec> specs = CompareSpec.parseAll(specTexts);
        checkSeeds();
        // the recipe alone, then every spec on it, all planned (data, model) before the first run trains
        parseGiven(recipe, "the recipe (train options)");
        for (CompareSpec spec : specs) {
            TrainCommand run = parseGiven(specArgs(spec), "--spec " + spec.name());
            try {
                run.plan();
            } catch (Vil4jException e) {
                throw new Vil4jException("--spec " + spec.name() + ": " + e.getMessage(), e);
            }
        }
        try {
            Files.createDirectories(out);
        } catch (IOException e) {
            throw new Vil4jException("--out " + out + ": cannot create it (" + e.getMessage() + ")", e);
        }
        Path file = out.resolve(CompareFile.NAME);
        CompareFile.Contents before = CompareFile.read(file);
        List<CompareRun> runs = new ArrayList<>(before == null ? List.of() : before.runs());
        if (before != null && !before.recipe().equals(recipe)) {
            throw new Vil4jException(file + " holds runs of the recipe " + before.recipe() + ", not " + recipe
                    + ": use another --out for another recipe");
        }
        for (CompareSpec spec : specs) {
            for (long seed : seeds) {
                CompareRun done = find(runs, spec.name(), seed);
                if (done != null && !done.args().equals(runArgs(spec, seed))) {
                    throw new Vil4jException(file + " holds " + spec.name() + " seed " + seed + " run with "
                            + done.args() + ", not " + runArgs(spec, seed) + ": rename the spec or use another "
                            + "--out");
                }
            }
        }
        int total = specs.size() * seeds.size();
        int index = 0;
        for (long seed : seeds) {
            for (CompareSpec spec : specs) {
                index++;
                if (find(runs, spec.name(), seed) != null) {
                    System.out.printf(Locale.ROOT, "== compare %d/%d: %s seed %d is in %s already%n", index, total,
                            spec.name(), seed, file);
                    continue;
                }
                System.out.printf(Locale.ROOT, "== compare %d/%d: %s seed %d: %s%n", index, total, spec.name(),
                        seed, spec.optionsText());
                runs.add(train(spec, seed));
                write(specs, runs, start, false);
            }
        }
        List<SpecSummary> summaries = write(specs, runs, start, true);
        System.out.print(CompareMarkdown.table(optionsBySpec(runs), summaries));
        System.out.printf(Locale.ROOT, "wrote %s, %s and %s (%.1f min)%n", file, out.resolve(MARKDOWN),
                out.resolve(PLOT), (System.nanoTime() - start) / 60e9);
        return 0;
    }

    /** One run through vil train's path, its files in DIR/runs/SPEC-seedS; resumed where a checkpoint is left. */
    private CompareRun train(CompareSpec spec, long seed) {
        Path dir = out.resolve(RUNS).resolve(spec.name() + "-seed" + seed);
        List<String> args = new ArrayList<>(runArgs(spec, seed));
        args.addAll(List.of("--out", dir.toString()));
        if (Files.isRegularFile(dir.resolve(TrainCommand.CHECKPOINT))) {
            args.add("--resume");
        }
        TrainCommand.Outcome outcome = parseTrain(args, "--spec " + spec.name()).train();
        return CompareRun.measured(spec, seed, runArgs(spec, seed), outcome);
    }

    private List<SpecSummary> write(List<CompareSpec> specs, List<CompareRun> runs, long start, boolean plot) {
        List<SpecSummary> summaries = summaries(specs, runs);
        double wall = (System.nanoTime() - start) / 1e9;
        CompareFile.write(out.resolve(CompareFile.NAME), recipe, seeds, specs, runs, summaries, wall);
        AtomicFiles.writeString(out.resolve(MARKDOWN), CompareMarkdown.write(recipe, seeds, optionsBySpec(runs),
                summaries));
        if (plot) {
            try {
                ComparePlot.write(out.resolve(PLOT), summaries, "vil compare: " + String.join(" ", recipe));
            } catch (RuntimeException | LinkageError | InternalError e) {
                // a Java runtime without fonts cannot draw text; the JSON and the table hold the same numbers
                System.err.println("vil: compare: " + PLOT + " not drawn (" + e + ")");
            }
        }
        return summaries;
    }

    /**
     * One summary per spec that has runs: this invocation's specs first, in order, then specs of earlier invocations
     * kept in the file; each spec's runs in seed order.
     */
    static List<SpecSummary> summaries(List<CompareSpec> specs, List<CompareRun> runs) {
        Set<String> names = new LinkedHashSet<>();
        specs.forEach(s -> names.add(s.name()));
        runs.forEach(r -> names.add(r.spec()));
        List<SpecSummary> out = new ArrayList<>();
        for (String name : names) {
            List<CompareRun> of = runs.stream().filter(r -> r.spec().equals(name))
                    .sorted(Comparator.comparingLong(CompareRun::seed)).toList();
            if (!of.isEmpty()) {
                out.add(SpecSummary.of(name, of));
            }
        }
        return out;
    }

    /** Each spec's own options, read from its runs' arguments (the recipe before them, the seed after). */
    private Map<String, List<String>> optionsBySpec(List<CompareRun> runs) {
        Map<String, List<String>> options = new LinkedHashMap<>();
        for (CompareRun r : runs) {
            options.putIfAbsent(r.spec(), r.args().subList(Math.min(recipe.size(), r.args().size() - 2),
                    r.args().size() - 2));
        }
        return options;
    }

    private List<String> specArgs(CompareSpec spec) {
        List<String> args = new ArrayList<>(recipe);
        args.addAll(spec.options());
        return args;
    }

    /** What a run is recorded with: the recipe, the spec's options (later ones win) and the seed. */
    private List<String> runArgs(CompareSpec spec, long seed) {
        List<String> args = specArgs(spec);
        args.addAll(List.of("--seed", Long.toString(seed)));
        return args;
    }

    private static CompareRun find(List<CompareRun> runs, String spec, long seed) {
        return runs.stream().filter(r -> r.spec().equals(spec) && r.seed() == seed).findFirst().orElse(null);
    }

    /**
     * {@code vil train}'s options parsed into a command of its own, a spec's options overriding the recipe's; an
     * unknown or malformed option is a one-line error saying where it came from ({@code where}).
     */
    private TrainCommand parseTrain(List<String> args, String where) {
        TrainCommand command = new TrainCommand(plugins);
        CommandLine line = new CommandLine(command);
        line.setOverwrittenOptionsAllowed(true);
        try {
            line.parseArgs(args.toArray(String[]::new));
        } catch (CommandLine.ParameterException e) {
            throw new Vil4jException(where + ": " + e.getMessage(), e);
        }
        return command;
    }

    /** As {@link #parseTrain}, for options the user gave: those compare sets itself are refused. */
    private TrainCommand parseGiven(List<String> args, String where) {
        TrainCommand command = parseTrain(args, where);
        for (var own : OWN.entrySet()) {
            if (command.commandSpec.commandLine().getParseResult().hasMatchedOption(own.getKey())) {
                throw new Vil4jException(where + ": " + own.getKey() + " " + own.getValue());
            }
        }
        return command;
    }

    private void checkSeeds() {
        if (seeds == null || seeds.isEmpty()) {
            throw new Vil4jException("--seeds: give at least one seed");
        }
        if (new LinkedHashSet<>(seeds).size() != seeds.size()) {
            throw new Vil4jException("--seeds " + seeds + ": a seed is given twice");
        }
    }

    private static Map<String, String> ownOptions() {
        Map<String, String> own = new LinkedHashMap<>();
        own.put("--seed", "is set by vil compare from --seeds");
        own.put("--out", "is set by vil compare: each run goes to DIR/runs/SPEC-seedS");
        own.put("--resume", "is vil compare's to give: it resumes an interrupted run itself");
        own.put("--stop-after", "would leave runs unfinished: vil compare records finished runs");
        own.put("--task", "is classification: vil compare compares classifiers");
        return own;
    }
}
