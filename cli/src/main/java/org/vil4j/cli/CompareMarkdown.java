package org.vil4j.cli;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/** {@code DIR/compare.md}: the recipe, then one table row per spec (the README takes the table as it is). */
final class CompareMarkdown {
    private CompareMarkdown() {
    }

    static String write(List<String> recipe, List<Long> seeds, Map<String, List<String>> options,
                        List<SpecSummary> summaries) {
        StringBuilder b = new StringBuilder("# vil compare\n\n");
        b.append("Recipe of every run: `").append(recipe.isEmpty() ? "(vil train's defaults)"
                : String.join(" ", recipe)).append("`; seeds ")
                .append(seeds.stream().map(String::valueOf).collect(Collectors.joining(", ")))
                .append(". Test accuracy after the last epoch; std is the sample standard deviation over seeds, in "
                        + "points; time is training and evaluation of all of a spec's runs.\n\n");
        b.append(table(options, summaries));
        return b.toString();
    }

    static String table(Map<String, List<String>> options, List<SpecSummary> summaries) {
        StringBuilder b = new StringBuilder();
        b.append("| spec | options | parameters | test accuracy (mean ± std) | seeds | per seed | images/s | device "
                + "| time |\n");
        b.append("|---|---|---:|---:|---:|---|---:|---|---:|\n");
        for (SpecSummary s : summaries) {
            String perSeed = s.accuracies().stream().map(a -> String.format(Locale.ROOT, "%.2f", 100 * a))
                    .collect(Collectors.joining(", "));
            List<String> own = options.getOrDefault(s.spec(), List.of());
            String cell = own.isEmpty() ? CompareSpec.text(own) : "`" + CompareSpec.text(own) + "`";
            b.append(String.format(Locale.ROOT, "| %s | %s | %,d | %s | %d | %s | %,.0f | %s | %.1f min |%n",
                    s.spec(), cell, s.parameters(), accuracy(s), s.runs(), perSeed,
                    s.imagesPerSecond(), String.join("; ", s.devices()), s.seconds() / 60));
        }
        return b.toString();
    }

    /** {@code 85.12 ± 0.34%}, or {@code 85.12% (one seed)} where no spread can be measured. */
    static String accuracy(SpecSummary s) {
        if (Double.isNaN(s.accuracyStd())) {
            return String.format(Locale.ROOT, "%.2f%% (one seed)", 100 * s.accuracyMean());
        }
        return String.format(Locale.ROOT, "%.2f ± %.2f%%", 100 * s.accuracyMean(), 100 * s.accuracyStd());
    }
}
