package org.vil4j.training.model;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The 1000 ImageNet-1k classes in model order: synset id (ImageFolder's folder name) and name. */
public final class ImageNetClasses {
    public static final int COUNT = 1000;
    private static final List<String> WNIDS = new ArrayList<>();
    private static final List<String> NAMES = new ArrayList<>();
    private static final Map<String, Integer> INDEX = new HashMap<>();

    static {
        try (InputStream in = ImageNetClasses.class.getResourceAsStream("imagenet1k-classes.tsv")) {
            if (in == null) {
                throw new IllegalStateException("resource imagenet1k-classes.tsv is missing from the build");
            }
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                if (line.startsWith("#") || line.isBlank()) {
                    continue;
                }
                String[] f = line.split("\t");
                if (Integer.parseInt(f[0]) != WNIDS.size()) {
                    throw new IllegalStateException("imagenet1k-classes.tsv is out of order at " + line);
                }
                INDEX.put(f[1], WNIDS.size());
                WNIDS.add(f[1]);
                NAMES.add(f[2]);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (WNIDS.size() != COUNT) {
            throw new IllegalStateException("imagenet1k-classes.tsv holds " + WNIDS.size() + " classes");
        }
    }

    private ImageNetClasses() {
    }

    public static String wnid(int index) {
        return WNIDS.get(index);
    }

    public static String name(int index) {
        return NAMES.get(index);
    }

    /** The class index of a synset folder name, or -1. */
    public static int indexOf(String wnid) {
        return INDEX.getOrDefault(wnid, -1);
    }
}
