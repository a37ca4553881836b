"""The conda stage: versions, match specs, channels, the lazy repodata loader and the conda solve."""
