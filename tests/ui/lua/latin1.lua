return 'été'
