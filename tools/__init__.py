"""Developer tools for the r1cli repository; not part of the shipped package."""
