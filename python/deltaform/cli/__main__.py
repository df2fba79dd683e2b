from deltaform.cli import main

main()
