"""The interactive layer of the book: Altair chart builders and one ipywidgets panel per chapter.

Everything here draws; nothing here computes an experiment (that is `collapse/`, which never imports this package).
"""
